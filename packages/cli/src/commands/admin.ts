import type { Command } from 'commander';
import { USER_ROLES, WattpackError, isUserRole, type Role } from '@wattpack/common/core';
import type { App, Context } from '../context.js';
import { renderFields } from '../output/table.js';
import { registerAdminBackup } from './admin-backup.js';
import { registerAdminNats, sitePki } from './admin-nats.js';

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The site PKI, where the CA key is kept (the control plane): create it, issue and
 * re-issue credentials. Working on files, like kubeadm's certificate verbs; it needs
 * read access to the PKI folder, which is the admin's by file permissions.
 */
export function registerAdmin(program: Command, app: App): void {
  const admin = program.command('admin').description('the site PKI: create the CA, issue credentials for nodes and people; back up and restore the state');
  registerAdminNats(admin, app);
  registerAdminBackup(admin, app);
  admin
    .command('init')
    .description('create the site CA, the certificates of nats-server and the scheduler, and an admin credential')
    .requiredOption('--pki <dir>', 'the folder to create (keep it on the control plane; it holds the CA key)')
    .requiredOption('--site <name>', 'the site name')
    .option('--scheduler-host <names>', 'host names and addresses clients dial the scheduler at, comma-separated', '127.0.0.1,localhost')
    .option('--nats-host <names>', 'host names and addresses of the NATS servers, comma-separated', '127.0.0.1,localhost')
    .option('--admin <name>', 'the first admin (a credential of every team)', 'admin')
    .action(app.action(initPki));
  admin
    .command('issue')
    .description('issue (or re-issue, to rotate) a credential: a node folder for wattpack-agent --credentials, or a file for wattpack login')
    .argument('<kind>', 'node or user')
    .argument('<name>', 'the node id, or the user name')
    .requiredOption('--pki <dir>', 'the site PKI folder')
    .option('--role <role>', `for a user: ${USER_ROLES.join(', ')}`, 'user')
    .option('--teams <teams>', 'for a user: the teams, comma-separated ("*": every team, admins only)', '')
    .option('--days <n>', 'validity in days (nodes 90, users 30 by default)')
    .action(app.action(issue));
  admin
    .command('revoke')
    .description(
      "revoke every credential of a node or a person issued until now: the scheduler refuses them at once (a node's stream closes); " +
        'with --pki, also mark them in the registry and drop them from the NATS authorization (then reload nats-server). Re-issue to let them back',
    )
    .argument('<kind>', 'node or user (a person, whatever their role)')
    .argument('<name>', 'the node id, or the user name')
    .option('--pki <dir>', 'the site PKI folder: mark the registry and rewrite nats/auth.conf too')
    .action(app.action(revoke));
}

/** `wattpack admin init`: the site CA, the NATS and scheduler certificates, the first admin's credential. */
async function initPki(ctx: Context, cmd: Command): Promise<void> {
  const o = cmd.opts<{ pki: string; site: string; schedulerHost: string; natsHost: string; admin: string }>();
  const pki = await (await sitePki()).init(o.pki, { site: o.site, schedulerHosts: list(o.schedulerHost), natsHosts: list(o.natsHost) });
  const { path } = await pki.issue({ name: o.admin, role: 'admin', teams: ['*'] });
  const files = pki.natsFiles();
  ctx.print({ pki: o.pki, scheduler: pki.credentialsDir('scheduler', 'scheduler'), nats: files, admin: path }, () =>
    renderFields([
      ['Site PKI', o.pki],
      ['Scheduler', `--credentials ${pki.credentialsDir('scheduler', 'scheduler')}`],
      ['NATS', `include ${files.auth} in nats-server's configuration (TLS and one user per component)`],
      ['Admin', `${path}: wattpack login ${path} --scheduler <host:port>`],
    ]),
  );
}

/** `wattpack admin issue`: a node's folder or a user's credential file, and what to do with it. */
async function issue(ctx: Context, cmd: Command): Promise<void> {
  const [kind, name] = cmd.processedArgs as [string, string];
  const o = cmd.opts<{ pki: string; role: string; teams: string; days?: string }>();
  if (kind !== 'node' && kind !== 'user') throw new WattpackError('INVALID_ARGUMENT', `kind "${kind.slice(0, 20)}": use node or user`);
  if (kind === 'user' && !(USER_ROLES as readonly string[]).includes(o.role)) throw new WattpackError('INVALID_ARGUMENT', `--role "${o.role.slice(0, 20)}": use one of ${USER_ROLES.join(', ')}`);
  const days = o.days === undefined ? undefined : Number(o.days);
  if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= 3650)) throw new WattpackError('INVALID_ARGUMENT', '--days: a whole number from 1 to 3650');
  const pki = (await sitePki()).open(o.pki);
  const id = kind === 'node' ? { name, role: 'node' as Role, teams: [] } : { name, role: o.role as Role, teams: list(o.teams) };
  const { path, entry } = await pki.issue(id, days);
  const next = kind === 'node' ? `wattpack-agent --credentials ${path}; reload nats-server (SIGHUP) so that it admits the node` : `hand it over; they run: wattpack login ${path} --scheduler <host:port>`;
  ctx.print({ path, ...entry }, () => `issued ${kind} ${name} (serial ${entry.serial}, valid until ${entry.notAfter}): ${path}\n${next}`);
}

/** `wattpack admin revoke`: marked in the registry first (with --pki), then the scheduler told; if it cannot be, the error says so. */
async function revoke(ctx: Context, cmd: Command): Promise<void> {
  const [kind, name] = cmd.processedArgs as [string, string];
  const o = cmd.opts<{ pki?: string }>();
  if (kind !== 'node' && kind !== 'user') throw new WattpackError('INVALID_ARGUMENT', `kind "${kind.slice(0, 20)}": use node or user`);
  const serials: string[] = [];
  if (o.pki) {
    const pki = (await sitePki()).open(o.pki);
    const covered = (role: string) => (kind === 'node' ? role === 'node' : isUserRole(role as Role));
    const roles = [...new Set(pki.entries().filter((e) => e.name === name && covered(e.role) && !e.revokedAt).map((e) => e.role as Role))];
    for (const role of roles) serials.push(...pki.revoke(role, name).map((e) => e.serial));
    if (!roles.length) ctx.io.err(`warning: the registry in ${o.pki} lists no unrevoked credential of ${kind} ${name}; telling the scheduler anyway\n`);
  }
  let res;
  try {
    res = await ctx.client().revokeCredential({ kind, name, serials });
  } catch (err) {
    const e = WattpackError.from(err);
    if (!serials.length) throw e;
    throw new WattpackError(e.code, `${e.message}\nthe registry marks ${serials.length} credential(s) revoked, but the scheduler was not told: run "wattpack admin revoke ${kind} ${name}" again once it answers`, { cause: err });
  }
  const nats = serials.length ? `\nthe NATS authorization no longer admits it: reload nats-server (SIGHUP, or nats-server --signal reload) on every server` : '';
  ctx.print(res, () => `revoked ${kind} ${name}: credentials issued before ${new Date(Number(res.issuedBeforeMs)).toISOString()} are refused${res.serials.length ? ` (serials ${res.serials.join(', ')})` : ''}; ${res.streamsClosed} live stream(s) closed${nats}`);
}
