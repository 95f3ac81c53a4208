import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nkeys } from 'nats';
import { z } from 'zod';
import { WattpackError } from '../errors.js';
import { ALL_TEAMS, NAME_PATTERN, type Identity, type Role } from './identity.js';
import { renderNatsAuth } from './nats-auth.js';
import { createCa, issueCertificate, type CertificateAuthority } from './pki.js';

/**
 * The site's PKI folder, made by `wattpack-scheduler init` (and by `wattpack dev` in its
 * state dir). It holds the CA, a registry of what it issued, nats-server's TLS and
 * authorization settings, and one credential folder per component:
 *
 *   ca.pem ca-key.pem registry.json
 *   nats/server.pem nats/server-key.pem nats/auth.conf
 *   scheduler/  nodes/<id>/   (ca.pem cert.pem key.pem nats.nk: a Credentials folder)
 *   users/<name>.yaml         (a CLI context with the credential inline)
 */
export const DAYS = { ca: 3650, scheduler: 365, nats: 365, node: 90, user: 30 } as const;

const entrySchema = z.object({
  name: z.string(),
  role: z.string(),
  teams: z.array(z.string()),
  serial: z.string(),
  notAfter: z.string(),
  /** Public nkey the component signs in to NATS with. */
  natsKey: z.string().optional(),
  revokedAt: z.string().optional(),
});
const registrySchema = z.object({
  site: z.string(),
  schedulerHosts: z.array(z.string()),
  natsHosts: z.array(z.string()),
  credentials: z.array(entrySchema),
});
export type RegistryEntry = z.infer<typeof entrySchema>;
export type Registry = z.infer<typeof registrySchema>;

export interface InitOptions {
  site: string;
  /** Names and addresses clients dial the scheduler at (all schedulers share one certificate). */
  schedulerHosts: string[];
  natsHosts: string[];
}

const write = (file: string, text: string, secret = false) => {
  writeFileSync(file, text, { mode: secret ? 0o600 : 0o644 });
  if (secret) chmodSync(file, 0o600);
};

export class SitePki {
  private constructor(
    readonly dir: string,
    private registry: Registry,
  ) {}

  static exists(dir: string): boolean {
    return existsSync(join(dir, 'registry.json'));
  }

  static open(dir: string): SitePki {
    const file = join(dir, 'registry.json');
    if (!existsSync(file)) throw new WattpackError('NOT_FOUND', `${dir} holds no site PKI (no registry.json): create one with "wattpack-scheduler init"`);
    const parsed = registrySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new WattpackError('FAILED_PRECONDITION', `${file} is not a wattpack PKI registry`);
    return new SitePki(dir, parsed.data);
  }

  /** A new CA, nats-server's certificate and the scheduler's credentials. Refuses to overwrite a PKI. */
  static async init(dir: string, o: InitOptions): Promise<SitePki> {
    if (SitePki.exists(dir)) throw new WattpackError('FAILED_PRECONDITION', `${dir} already holds a site PKI: issue credentials from it, or choose another folder`);
    mkdirSync(join(dir, 'nats'), { recursive: true, mode: 0o700 });
    const ca = await createCa(o.site, DAYS.ca);
    write(join(dir, 'ca.pem'), ca.certPem);
    write(join(dir, 'ca-key.pem'), ca.keyPem, true);
    const pki = new SitePki(dir, { site: o.site, schedulerHosts: o.schedulerHosts, natsHosts: o.natsHosts, credentials: [] });
    const nats = await issueCertificate(ca, { name: 'nats', role: 'nats', teams: [] }, { days: DAYS.nats, hosts: o.natsHosts });
    write(join(dir, 'nats', 'server.pem'), nats.certPem);
    write(join(dir, 'nats', 'server-key.pem'), nats.keyPem, true);
    await pki.issue({ name: 'scheduler', role: 'scheduler', teams: [] });
    return pki;
  }

  get site(): string {
    return this.registry.site;
  }

  get caPem(): string {
    return readFileSync(join(this.dir, 'ca.pem'), 'utf8');
  }

  entries(): readonly RegistryEntry[] {
    return this.registry.credentials;
  }

  /** Where a component's credentials live: scheduler/ or nodes/<id>/. */
  credentialsDir(role: 'scheduler' | 'node', name: string): string {
    return role === 'scheduler' ? join(this.dir, 'scheduler') : join(this.dir, 'nodes', name);
  }

  /**
   * Issues (or re-issues: rotation) a credential. Components get a folder with their key
   * and a NATS key; people get a CLI context file. Earlier credentials of the same
   * identity stay valid until they expire or are revoked.
   */
  async issue(id: Omit<Identity, 'serial'>, days?: number): Promise<{ path: string; entry: RegistryEntry }> {
    if (!NAME_PATTERN.test(id.name)) throw new WattpackError('INVALID_ARGUMENT', `name "${id.name.slice(0, 40)}": use 1-63 lowercase letters, digits, ".", "_" or "-"`);
    if (id.teams.includes(ALL_TEAMS) && id.role !== 'admin') throw new WattpackError('INVALID_ARGUMENT', `teams: "${ALL_TEAMS}" (every team) is for admins only`);
    const ca = this.ca();
    const component = id.role === 'scheduler' || id.role === 'node';
    const cert = await issueCertificate(ca, id, {
      days: days ?? (component ? DAYS[id.role as 'scheduler' | 'node'] : DAYS.user),
      ...(id.role === 'scheduler' ? { hosts: this.registry.schedulerHosts } : {}),
    });
    const entry: RegistryEntry = { name: id.name, role: id.role, teams: id.teams, serial: cert.serial, notAfter: cert.notAfter };
    let path: string;
    if (component) {
      path = this.credentialsDir(id.role as 'scheduler' | 'node', id.name);
      mkdirSync(path, { recursive: true, mode: 0o700 });
      const nk = nkeys.createUser();
      entry.natsKey = nk.getPublicKey();
      write(join(path, 'ca.pem'), ca.certPem);
      write(join(path, 'cert.pem'), cert.certPem);
      write(join(path, 'key.pem'), cert.keyPem, true);
      write(join(path, 'nats.nk'), `${new TextDecoder().decode(nk.getSeed())}\n`, true);
    } else {
      mkdirSync(join(this.dir, 'users'), { recursive: true, mode: 0o700 });
      path = join(this.dir, 'users', `${id.name}.yaml`);
      write(path, userContextYaml(this.registry.site, id.name, ca.certPem, cert), true);
    }
    // A re-issued component replaces its NATS key: the old one stops working on reload.
    if (entry.natsKey) for (const e of this.registry.credentials) if (e.role === id.role && e.name === id.name) delete e.natsKey;
    this.registry.credentials.push(entry);
    this.save();
    return { path, entry };
  }

  /** Marks every credential of an identity revoked; returns their serials for the scheduler. */
  revoke(role: Role | undefined, name: string): RegistryEntry[] {
    const hit = this.registry.credentials.filter((e) => e.name === name && (role === undefined || e.role === role) && !e.revokedAt);
    if (!hit.length) throw new WattpackError('NOT_FOUND', `no credential named "${name.slice(0, 40)}"${role ? ` with role ${role}` : ''} is issued and unrevoked`);
    const at = new Date().toISOString();
    for (const e of hit) {
      e.revokedAt = at;
      delete e.natsKey;
    }
    this.save();
    return hit;
  }

  /** Paths nats-server's configuration includes (TLS files, authorization). */
  natsFiles(): { cert: string; key: string; ca: string; auth: string } {
    return { cert: join(this.dir, 'nats', 'server.pem'), key: join(this.dir, 'nats', 'server-key.pem'), ca: join(this.dir, 'ca.pem'), auth: join(this.dir, 'nats', 'auth.conf') };
  }

  private ca(): CertificateAuthority {
    const keyFile = join(this.dir, 'ca-key.pem');
    if (!existsSync(keyFile)) throw new WattpackError('FAILED_PRECONDITION', `${keyFile} is missing: credentials are issued where the CA key is kept`);
    return { certPem: this.caPem, keyPem: readFileSync(keyFile, 'utf8') };
  }

  private save(): void {
    write(join(this.dir, 'registry.json'), `${JSON.stringify(this.registry, null, 2)}\n`, true);
    write(this.natsFiles().auth, renderNatsAuth(this.registry, this.natsFiles()), true);
  }
}

/** A CLI context (see the CLI's config file) with the credential inline, as an admin hands it out. */
function userContextYaml(site: string, name: string, caPem: string, cert: { certPem: string; keyPem: string }): string {
  const block = (pem: string) => pem.trim().split('\n').map((l) => `      ${l}`).join('\n');
  return [
    `# wattpack credential for ${name} at site ${site}. Import it: wattpack login <this file> --scheduler host:port`,
    'contexts:',
    `  - name: ${site}-${name}`,
    '    ca: |',
    block(caPem),
    '    cert: |',
    block(cert.certPem),
    '    key: |',
    block(cert.keyPem),
    '',
  ].join('\n');
}
