import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS, REVOCATIONS_KEY, connectNats, createLogger, freePort, json, loadCredentials, localSiteTrust, natsConnectionOptions, startNatsServer, type Credentials, type LocalNatsServer } from '@wattpack/common';
import { History } from './dashboard/history.js';
import { startScheduler, type SchedulerOptions } from './server.js';

/**
 * A term that fails on its way up leaves nothing open behind: not its two NATS connections
 * (the NATS server's own /connz says which it still holds), not its gRPC port. The real
 * nats-server with the site PKI, as on a site.
 */
describe('a scheduler that cannot lead closes what it opened', () => {
  let nats: LocalNatsServer;
  let monitor: number;
  let credentials: Credentials;
  const log = createLogger('test', 'silent');
  const options = async (more: Partial<SchedulerOptions> = {}): Promise<SchedulerOptions> => ({ listen: `127.0.0.1:${await freePort()}`, nats: nats.url, id: 's1', credentials, log, ...more });

  /** Names of the scheduler's connections the server holds now. */
  const schedulerConnections = async (): Promise<string[]> => {
    const connz = (await (await fetch(`http://127.0.0.1:${monitor}/connz?limit=1024`)).json()) as { connections?: { name?: string }[] };
    return (connz.connections ?? []).map((c) => c.name ?? '').filter((n) => n.startsWith('wattpack-scheduler-s1')).sort();
  };
  /** The server notices a client's close a moment after the client does. */
  const connectionsSettle = async (): Promise<string[]> => {
    const deadline = Date.now() + 20_000;
    let names = await schedulerConnections();
    while (names.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      names = await schedulerConnections();
    }
    return names;
  };
  const listenOn = (port: number) =>
    new Promise<Server>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
  const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

  beforeAll(async () => {
    const trust = await localSiteTrust(mkdtempSync(join(tmpdir(), 'wattpack-server-pki-')), []);
    credentials = loadCredentials(trust.schedulerCredentials);
    monitor = await freePort();
    nats = await startNatsServer({ config: trust.natsConfig, args: ['-m', String(monitor)] });
  }, 60_000);
  afterAll(async () => {
    await nats?.stop({ removeStore: true });
  });

  it('holds its two connections while it leads, and closes them on stop()', async () => {
    const handle = await startScheduler(await options());
    expect(await schedulerConnections()).toEqual(['wattpack-scheduler-s1', 'wattpack-scheduler-s1-lease']);
    await handle.stop();
    expect(await connectionsSettle()).toEqual([]);
  }, 60_000);

  it.each([
    ['out of range', { capMw: -5 }, /invalid site settings: .*capMw/],
    [
      'with power saving whose BMC credentials cannot be read',
      { powerSaving: { enabled: true, bmcs: { 'gpu-1': { url: 'https://127.0.0.1:9', credentialsFile: 'no-such-bmc-credentials.yaml' } } } },
      /invalid site settings: powerSaving.bmcs.gpu-1.credentialsFile no-such-bmc-credentials.yaml: /,
    ],
  ])('refuses site settings %s, naming the field, and closes both connections', async (_, site, error) => {
    await expect(startScheduler(await options({ site }))).rejects.toThrow(error);
    expect(await connectionsSettle()).toEqual([]);
  }, 60_000);

  it('refuses to serve with unreadable stored revocations (they would let revoked credentials back in), and closes both connections', async () => {
    const nc = await connectNats(nats.url, 'test-writer', natsConnectionOptions(credentials));
    // The bucket the first test's scheduler made.
    const site = await nc.jetstream().views.kv(BUCKETS.site, { bindOnly: true });
    try {
      await site.put(REVOCATIONS_KEY, json.encode([{ serial: 5 }]));
      await expect(startScheduler(await options())).rejects.toThrow(/stored revocations .* are unreadable/);
      expect(await connectionsSettle()).toEqual([]);
    } finally {
      await site.put(REVOCATIONS_KEY, json.encode([]));
      await nc.close();
    }
  }, 60_000);

  // Its address taken, the dashboard cannot start; run from source (as here) its page is not
  // even bundled yet (ENOENT before the bind): it fails either way, which is the point.
  it('gives its gRPC port back when the dashboard cannot start, and closes both connections', async () => {
    const taken = await listenOn(await freePort());
    const grpcPort = await freePort();
    const addr = taken.address() as { port: number };
    try {
      const opts = await options({ listen: `127.0.0.1:${grpcPort}`, dashboard: { addr: `127.0.0.1:${addr.port}`, history: new History() } });
      await expect(startScheduler(opts)).rejects.toThrow(/EADDRINUSE|ENOENT/);
      expect(await connectionsSettle()).toEqual([]);
      // Bound by the failed term a moment ago: free again.
      await close(await listenOn(grpcPort));
    } finally {
      await close(taken);
    }
  }, 60_000);
});
