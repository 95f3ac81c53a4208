import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { defaultSiteConfig, startNatsServer, type Job, type LocalNatsServer } from '@wattpack/common';
import { KvStore } from './kv-store.js';

const job = (i: number): Job => ({
  id: `j-${String(i).padStart(5, '0')}`,
  spec: { name: 'bench', command: ['true'] } as unknown as Job['spec'],
  owner: 'dev',
  state: 'PENDING',
  reason: 'queued',
  submittedAt: 1,
  attempt: 0,
  attemptId: '',
  assignments: [],
  powerLimitW: 0,
  allocatedFacilityW: 0,
});

describe('the KV store (a real nats-server)', () => {
  let server: LocalNatsServer;
  let nc: NatsConnection;
  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop({ removeStore: true });
  });

  it("stores a burst of 2,000 jobs without holding up the connection's other writes behind all of them", async () => {
    const store = await KvStore.open(nc);
    let stored = 0;
    const burst = Array.from({ length: 2000 }, (_, i) => store.putJob(job(i)).then(() => void stored++));
    // Sent after the burst, on the same connection: the leader lease's refresh is such a write.
    await store.putSite(defaultSiteConfig());
    const storedBefore = stored;
    await Promise.all(burst);
    expect(storedBefore).toBeLessThan(1000);
    const jobs = await store.loadJobs();
    expect(jobs.size).toBe(2000);
    expect(jobs.get('j-01999')?.state).toBe('PENDING');
  });
});
