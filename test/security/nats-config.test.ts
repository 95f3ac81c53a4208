import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { RetentionPolicy, StorageType, connect } from 'nats';
import { afterEach, describe, expect, it } from 'vitest';
import { SitePki, connectNats, freePort, jetStreamReady, loadCredentials, natsConnectionOptions, natsServerBinary } from '@wattpack/common';
import { BIN, waitFor } from '../e2e/harness.js';

/**
 * `wattpack admin nats-config` writes configurations nats-server runs as they are: one
 * server, or the members of a cluster whose routes take only servers of the site (TLS
 * from its CA and the route password).
 */

const started: ChildProcess[] = [];
afterEach(async () => {
  for (const p of started.splice(0)) {
    if (p.exitCode === null && p.signalCode === null) {
      p.kill('SIGKILL');
      await new Promise((r) => p.once('exit', r));
    }
  }
});

/** nats-server -c file; resolves with its log so far once it is ready, or once `until` shows in it. */
function natsServer(config: string, until = 'Server is ready'): Promise<{ log: () => string }> {
  const child = spawn(natsServerBinary(), ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  started.push(child);
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${until}" within 15s: ${log.slice(-800)}`)), 15_000);
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes(until)) {
        clearTimeout(timer);
        resolve({ log: () => log });
      }
    });
    child.once('exit', (code) => reject(new Error(`nats-server exited with ${code}: ${log.slice(-800)}`)));
  });
}

const wattpack = (...args: string[]) => execa(process.execPath, [BIN.cli, ...args], { reject: false });

async function sitePki() {
  const dir = join(mkdtempSync(join(tmpdir(), 'wattpack-natscfg-')), 'pki');
  const init = await wattpack('admin', 'init', '--pki', dir, '--site', 'lab', '--nats-host', '127.0.0.1,localhost');
  expect(init.exitCode, init.stderr).toBe(0);
  return { dir, scheduler: loadCredentials(join(dir, 'scheduler')) };
}

describe('wattpack admin nats-config', () => {
  it('writes a single server that admits only the site\'s components', async () => {
    const { dir, scheduler } = await sitePki();
    const port = await freePort();
    const out = await wattpack('admin', 'nats-config', '--pki', dir, '--listen', `127.0.0.1:${port}`, '--store-dir', join(dir, '..', 'js'));
    expect(out.exitCode, out.stderr).toBe(0);
    const file = join(dir, 'nats', 'nats-server.conf');
    expect(out.stdout).toContain(`wrote ${file}: nats-server -c ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await natsServer(file);
    const nc = await connectNats(`nats://127.0.0.1:${port}`, 'probe', natsConnectionOptions(scheduler));
    await jetStreamReady(nc, 10_000);
    await nc.close();
    await expect(connect({ servers: `nats://127.0.0.1:${port}`, reconnect: false, tls: { ca: SitePki.open(dir).caPem } })).rejects.toThrow(/authorization/i);
  });

  it('writes cluster members whose routes need the site CA and the route password', async () => {
    const { dir, scheduler } = await sitePki();
    const client = [await freePort(), await freePort(), await freePort()];
    const route = [await freePort(), await freePort(), await freePort()];
    const routes = route.map((p) => `nats://127.0.0.1:${p}`).join(',');
    for (let i = 0; i < 3; i++) {
      const r = await wattpack('admin', 'nats-config', '--pki', dir, '--server-name', `n${i + 1}`, '--listen', `127.0.0.1:${client[i]}`, '--store-dir', join(dir, '..', `js${i + 1}`), '--cluster', 'wattpack', '--cluster-listen', `127.0.0.1:${route[i]}`, '--routes', routes);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    await Promise.all([1, 2, 3].map((i) => natsServer(join(dir, 'nats', `n${i}.conf`))));
    const nc = await connectNats(client.map((p) => `nats://127.0.0.1:${p}`).join(','), 'probe', natsConnectionOptions(scheduler));
    try {
      const jsm = await jetStreamReady(nc, 20_000);
      // Three replicas: every member took part (once all three have joined).
      await waitFor('three peers for a stream', () =>
        jsm.streams.add({ name: 'PROBE', subjects: ['probe.>'], num_replicas: 3, retention: RetentionPolicy.Limits, storage: StorageType.File }).then(() => true),
      );
      expect((await jsm.streams.info('PROBE')).cluster?.replicas).toHaveLength(2);
    } finally {
      await nc.close();
    }

    // A server with a node's certificate (same CA) but not the password: refused.
    await wattpack('admin', 'issue', 'node', 'rogue', '--pki', dir);
    const rogue = (name: string, cert: string, key: string, ca: string, url: string) => {
      const file = join(dir, '..', `${name}.conf`);
      writeFileSync(
        file,
        [
          `server_name: ${name}`,
          `listen: "127.0.0.1:-1"`,
          `cluster { name: wattpack, listen: "127.0.0.1:-1", tls { cert_file: "${cert}", key_file: "${key}", ca_file: "${ca}", verify: true }, routes: ["${url}"] }`,
        ].join('\n'),
      );
      return file;
    };
    const node = join(dir, 'nodes', 'rogue');
    const noPassword = await natsServer(rogue('rogue1', join(node, 'cert.pem'), join(node, 'key.pem'), join(dir, 'ca.pem'), `nats-route://127.0.0.1:${route[0]}`), 'Authorization Violation');
    expect(noPassword.log()).toContain("Route Error 'Authorization Violation'");

    // The password, but a certificate of another CA: the TLS handshake fails.
    const other = await sitePki();
    const secret = readFileSync(join(dir, 'nats', 'route.secret'), 'utf8').trim();
    const otherNats = join(other.dir, 'nats');
    const foreign = await natsServer(rogue('rogue2', join(otherNats, 'server.pem'), join(otherNats, 'server-key.pem'), join(other.dir, 'ca.pem'), `nats-route://wattpack-route:${secret}@127.0.0.1:${route[1]}`), 'TLS route handshake error');
    expect(foreign.log()).toMatch(/TLS route handshake error/);
  }, 60_000);

  it('refuses a cluster without routes, or routes without a cluster', async () => {
    const { dir } = await sitePki();
    expect((await wattpack('admin', 'nats-config', '--pki', dir, '--cluster', 'wattpack', '--server-name', 'n1')).stderr).toContain('--cluster: give --routes');
    expect((await wattpack('admin', 'nats-config', '--pki', dir, '--routes', 'nats://a:6222')).stderr).toContain('--routes: give --cluster');
    expect((await wattpack('admin', 'nats-config', '--pki', dir, '--cluster', 'wattpack', '--routes', 'nats://a:6222')).stderr).toContain('--server-name: each member of a cluster');
    expect((await wattpack('admin', 'nats-config', '--pki', dir, '--cluster', 'wattpack', '--server-name', 'n1', '--routes', 'a b')).stderr).toContain('is not host:port');
  });
});
