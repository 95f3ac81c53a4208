import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type KV, type NatsConnection } from 'nats';
import { BUCKETS, LEADER_KEY, createLogger, json, startNatsServer, type LocalNatsServer } from '@wattpack/common';
import { becomeLeader } from './leader-election.js';

const log = createLogger('test', 'silent');
const TTL_MS = 2000;

/** Polls an async condition; a generous deadline, as the test machine is shared. */
async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('leader election (a real nats-server)', () => {
  let server: LocalNatsServer;
  let nc: NatsConnection;
  let other: NatsConnection;
  let kv: KV;
  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    other = await connect({ servers: server.url });
  });
  afterAll(async () => {
    await nc?.close();
    await other?.close();
    await server?.stop({ removeStore: true });
  });

  const revision = async () => (await kv.get(LEADER_KEY))!.revision;

  it('keeps the lease when a refresh was written although its reply never came (a timeout under load)', async () => {
    const leadership = await becomeLeader(nc, 'sched-a', { ttlMs: TTL_MS, replicas: 1, log });
    kv = await other.jetstream().views.kv(BUCKETS.leader, { history: 1, ttl: TTL_MS, replicas: 1 });
    let lost: string | undefined;
    void leadership.lost.then((why) => (lost = why));
    // What a refresh that was stored but not answered leaves: the key still names this
    // scheduler, at a revision it does not know.
    const moved = await kv.update(LEADER_KEY, json.encode({ id: 'sched-a', at: Date.now() }), await revision());
    // The leader's next refreshes fail on the old revision, find its own name, and go on.
    await eventually('the leader to refresh past the moved revision', async () => (await revision()) > moved + 1);
    expect(lost).toBeUndefined();
    expect(leadership.valid()).toBe(true);
    await leadership.resign();
  });

  it('gives the lease up once another scheduler holds the key', async () => {
    await eventually('the key to be free', async () => (await kv.get(LEADER_KEY))?.operation !== 'PUT');
    const leadership = await becomeLeader(nc, 'sched-a', { ttlMs: TTL_MS, replicas: 1, log });
    await kv.update(LEADER_KEY, json.encode({ id: 'sched-b', at: Date.now() }), await revision());
    await expect(leadership.lost).resolves.toBe('another scheduler took the lease');
    expect(leadership.valid()).toBe(false);
  });

  it('names a blocked event loop as the cause when the lease lapses during a long synchronous task', async () => {
    await eventually('the key to be free', async () => (await kv.get(LEADER_KEY))?.operation !== 'PUT');
    const leadership = await becomeLeader(nc, 'sched-a', { ttlMs: TTL_MS, replicas: 1, log });
    const until = Date.now() + TTL_MS + 500;
    while (Date.now() < until);
    const reason = await leadership.lost;
    const [, gapMs, cpuMs] = /^the lease lapsed before it could be refreshed: timers ran up to (\d+) ms apart \(every 500 ms due\), (\d+) ms of it on the CPU/.exec(reason) ?? [];
    expect(Number(gapMs)).toBeGreaterThanOrEqual(TTL_MS);
    // Busy-waiting: the process had the CPU for much of the gap (a shared machine takes some).
    expect(Number(cpuMs)).toBeGreaterThan(0);
    expect(leadership.valid()).toBe(false);
  });
});
