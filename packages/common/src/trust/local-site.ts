import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeNatsServerConfig } from './nats-config.js';
import { SitePki } from './site-pki.js';

/** The name of the local site's own admin, whom `wattpack dev` and the tests act as. */
export const LOCAL_ADMIN = 'dev';

export interface LocalSiteTrust {
  pki: SitePki;
  /** nats-server configuration: include it with -c (it pulls in TLS and the users). */
  natsConfig: string;
  schedulerCredentials: string;
  nodeCredentials(nodeId: string): string;
  /** The admin's CLI context file (CA, certificate and key inline). */
  adminContext: string;
}

/**
 * Security on for a site on one machine (`wattpack dev`, tests, benchmarks): a CA in
 * `dir` made once and kept, credentials for each node that lacks them, and an admin of
 * every team. Everything a real site gets from `wattpack admin init` and `issue`.
 */
export async function localSiteTrust(dir: string, nodeIds: string[]): Promise<LocalSiteTrust> {
  const hosts = ['127.0.0.1', 'localhost', '::1'];
  const pki = SitePki.exists(dir) ? SitePki.open(dir) : await SitePki.init(dir, { site: 'local', schedulerHosts: hosts, natsHosts: hosts });
  const issued = (role: string, name: string) => pki.entries().some((e) => e.role === role && e.name === name && !e.revokedAt && Date.parse(e.notAfter) > Date.now() + 86_400_000);
  for (const id of nodeIds) if (!issued('node', id)) await pki.issue({ name: id, role: 'node', teams: [] });
  if (!issued('admin', LOCAL_ADMIN)) await pki.issue({ name: LOCAL_ADMIN, role: 'admin', teams: ['*'] });
  const natsConfig = join(dir, 'nats', 'nats.conf');
  // Address and store come from flags (startNatsServer): the configuration is the PKI's part.
  if (!existsSync(natsConfig)) writeNatsServerConfig(pki, { file: natsConfig });
  return {
    pki,
    natsConfig,
    schedulerCredentials: pki.credentialsDir('scheduler', 'scheduler'),
    nodeCredentials: (id) => pki.credentialsDir('node', id),
    adminContext: join(dir, 'users', `${LOCAL_ADMIN}.yaml`),
  };
}
