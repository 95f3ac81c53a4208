import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describeIdentity, identityOf, WattpackError } from '@wattpack/common/core';
import { configPath, parseConfig, readConfig, resolveConnection, saveContexts, useContext } from '../config-file.js';
import { DEFAULT_SCHEDULER, type App, type Context } from '../context.js';
import { renderTable } from '../output/table.js';

/** Credentials on the CLI's side: import one, choose a context, and say who you are. */
export function registerLogin(program: Command, app: App): void {
  program
    .command('login')
    .description('import the credential file an admin issued you (wattpack admin issue user) as a context, and make it current')
    .argument('<file>', 'the credential file (YAML with a context)')
    .option('--name <context>', 'name of the context (default: the name in the file)')
    .action(app.action(login));

  program
    .command('whoami')
    .description('the identity of the current context (read from its certificate), and where it connects')
    .action(
      app.action(async (ctx) => {
        const c = resolveConnection(ctx.io.env, ctx.options, DEFAULT_SCHEDULER);
        if (c.credentials.insecure) throw new WattpackError('INVALID_ARGUMENT', '--insecure: no credential, so nobody');
        const id = c.credentials.identity;
        ctx.print({ identity: id, context: c.context, scheduler: c.address }, () => `${describeIdentity(id)}, context "${c.context}", scheduler ${c.address}`);
      }),
    );

  const config = program.command('config').description("the CLI's contexts (scheduler address and credential each)");
  config
    .command('get-contexts')
    .description('list the contexts; * marks the current one')
    .action(app.action(getContexts));
  config
    .command('use-context')
    .description('make a context the current one')
    .argument('<name>')
    .action(
      app.action(async (ctx, cmd) => {
        const name = useContext(ctx.io.env, (cmd.processedArgs as [string])[0]);
        ctx.print({ currentContext: name }, () => `current context: ${name}`);
      }),
    );
}

/** `wattpack login FILE`: the file's one context, saved and made current. */
async function login(ctx: Context, cmd: Command): Promise<void> {
  const [file] = cmd.processedArgs as [string];
  const { name } = cmd.opts<{ name?: string }>();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new WattpackError('INVALID_ARGUMENT', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const imported = parseConfig(text, file).contexts;
  if (imported.length !== 1) throw new WattpackError('INVALID_ARGUMENT', `${file}: holds ${imported.length} contexts: a credential file holds one`);
  const scheduler = ctx.options.scheduler || ctx.io.env.WATTPACK_SCHEDULER || imported[0]!.scheduler;
  const context = { ...imported[0]!, ...(name ? { name } : {}), ...(scheduler ? { scheduler } : {}) };
  const id = identityOf(context.cert);
  const where = saveContexts(ctx.io.env, [context]);
  ctx.print({ context: context.name, identity: id, config: where }, () => `logged in as ${describeIdentity(id)}: context "${context.name}" in ${where}`);
}

/** `wattpack config get-contexts`: a table of the contexts, the current one starred. */
async function getContexts(ctx: Context): Promise<void> {
  const cfg = readConfig(ctx.io.env);
  const rows = cfg.contexts.map((c) => {
    const id = identityOf(c.cert);
    return [c.name === cfg['current-context'] ? '*' : '', c.name, c.scheduler ?? '', id.name, id.role, id.teams.join(',')];
  });
  ctx.print(
    { currentContext: cfg['current-context'], contexts: cfg.contexts.map(({ name, scheduler }) => ({ name, scheduler })) },
    () => renderTable(['', 'NAME', 'SCHEDULER', 'USER', 'ROLE', 'TEAMS'], rows, `no contexts in ${configPath(ctx.io.env)}`),
  );
}
