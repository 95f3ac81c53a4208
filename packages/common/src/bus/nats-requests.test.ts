import { ErrorCode, NatsError, connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureStreams } from './jetstream.js';
import { startNatsServer, type LocalNatsServer } from './nats-server.js';
import { SUBJECTS } from './subjects.js';

/**
 * patches/nats@2.29.3.patch: nats.js rejected every request's promise, already resolved,
 * with a new Cancelled error (a stack trace each: 2-3 % of the scheduler's CPU). This
 * fails if an upgrade drops the patch while the library still does it.
 */
describe('nats.js requests (a real nats-server)', () => {
  let server: LocalNatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    await ensureStreams(await nc.jetstreamManager());
  }, 60_000);
  afterAll(async () => {
    await nc?.close();
    await server?.stop({ removeStore: true });
  });

  it('answer a JetStream publish without making a Cancelled error', async () => {
    const made = vi.spyOn(NatsError, 'errorForCode');
    try {
      const js = nc.jetstream();
      for (let i = 0; i < 20; i++) await js.publish(SUBJECTS.event('n1'), new Uint8Array([i]));
      expect(made.mock.calls.filter(([code]) => code === ErrorCode.Cancelled)).toEqual([]);
    } finally {
      made.mockRestore();
    }
  });
});
