import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { connectNats, jetStreamReady } from './jetstream.js';
import { freePort } from '../net/free-port.js';
import type { Credentials } from '../trust/credential-files.js';
import { natsConnectionOptions } from '../trust/nats-credentials.js';
import { writeNatsServerConfig } from '../trust/nats-config.js';
import type { SitePki } from '../trust/site-pki.js';

/** Re-exported: tests and `wattpack dev` pick their daemons' ports with it. */
export { freePort };

/** nats-server from PATH, or from /usr/sbin where Debian puts it (not on every user's PATH). */
export function natsServerBinary(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'nats-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return 'nats-server';
}

/**
 * JetStream's store as flags, or, with a configuration, in a file of the server's own that
 * includes it: nats-server 2.9 refuses to reload (SIGHUP, to admit a new node) when the
 * store given by flag differs from the one its configuration implies.
 */
export function natsStorageArgs(storeDir: string, config?: string): string[] {
  if (!config) return ['-js', '-sd', storeDir];
  const file = join(storeDir, 'server.conf');
  writeFileSync(file, `include ${JSON.stringify(relative(storeDir, config))}\njetstream { store_dir: ${JSON.stringify(storeDir)} }\n`);
  return ['-c', file];
}

export interface LocalNatsServer {
  url: string;
  port: number;
  storeDir: string;
  process: ChildProcess;
  /** Re-reads the configuration (SIGHUP): admits new users, drops revoked ones. Resolves once it says so. */
  reload(): Promise<void>;
  /** Stops the server; keeps the store unless `removeStore`. */
  stop(opts?: { removeStore?: boolean; signal?: NodeJS.Signals }): Promise<void>;
}

/**
 * Starts the real nats-server from PATH with JetStream on loopback, for `wattpack dev`
 * and tests. Resolves once the server says it is ready.
 */
export async function startNatsServer(
  opts: { port?: number; storeDir?: string; binary?: string; args?: string[]; /** A configuration file (TLS, users: see localSiteTrust). */ config?: string } = {},
): Promise<LocalNatsServer> {
  const port = opts.port ?? (await freePort());
  const storeDir = opts.storeDir ?? mkdtempSync(join(tmpdir(), 'wattpack-nats-'));
  const binary = opts.binary ?? natsServerBinary();
  const child = spawn(binary, [...natsStorageArgs(storeDir, opts.config), '-a', '127.0.0.1', '-p', String(port), ...(opts.args ?? [])], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`nats-server did not start within 10s: ${log.slice(-500)}`)), 10_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new Error(missing ? `${binary} not found on PATH: install it (Debian: apt-get install nats-server) or pass --nats <url>` : err.message));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${code}: ${log.slice(-500)}`));
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  // reload() waits for the next "Reloaded" line after it signals.
  const reloaded: (() => void)[] = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    const n = chunk.toString().split('Reloaded server configuration').length - 1;
    for (let i = 0; i < n; i++) reloaded.shift()?.();
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    process: child,
    reload() {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('nats-server did not reload its configuration within 10s')), 10_000);
        reloaded.push(() => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGHUP');
      });
    },
    async stop({ removeStore = false, signal = 'SIGTERM' } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        await exited;
      }
      if (removeStore) rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/**
 * A 3-node (by default) JetStream cluster on loopback, as deploy/nats/ describes for
 * production: each server routes to the others. With the site's PKI, each member runs
 * the configuration `wattpack admin nats-config` writes (routes over TLS with the route
 * password, the site's users); without, plain flags. `url` lists every server.
 */
export async function startNatsCluster(
  size = 3,
  trust?: { pki: SitePki; credentials: Credentials },
): Promise<{ url: string; servers: LocalNatsServer[]; clusterArgs: string[][] }> {
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  for (let i = 0; i < size; i++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
  }
  const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`);
  const clusterArgs = routePorts.map((p, i) => ['--server_name', `n${i + 1}`, '--cluster_name', 'wattpack', '--cluster', `nats://127.0.0.1:${p}`, '--routes', routes.join(',')]);
  const servers = await Promise.all(
    clientPorts.map((port, i) => {
      if (!trust) return startNatsServer({ port, args: clusterArgs[i]! });
      const config = writeNatsServerConfig(trust.pki, {
        file: join(trust.pki.dir, 'nats', `n${i + 1}.conf`),
        serverName: `n${i + 1}`,
        cluster: { name: 'wattpack', listen: `127.0.0.1:${routePorts[i]}`, routes },
      });
      return startNatsServer({ port, config });
    }),
  );
  const url = servers.map((s) => s.url).join(',');
  // The servers listen at once; JetStream answers only once the cluster has elected its meta leader.
  const nc = await connectNats(url, 'wattpack-cluster-probe', trust ? natsConnectionOptions(trust.credentials) : {});
  try {
    await jetStreamReady(nc, 20_000);
  } finally {
    await nc.close();
  }
  return { url, servers, clusterArgs };
}
