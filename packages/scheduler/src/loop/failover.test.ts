import { describe, expect, it } from 'vitest';
import { createLogger, defaultSiteConfig, type Job, type NodeRecord } from '@wattpack/common';
import { run, setup, spec } from '../testing/live-scheduler.js';
import { Scheduler } from './scheduler.js';

describe('a new leader and the nodes it loads from the store', () => {
  it('gives them the failover lease, not the node lease, to reconnect before their jobs count as lost', async () => {
    const before = await setup();
    const job = await before.scheduler.submit(spec({ gpus: 8 }));
    await before.settle();
    await run(before.scheduler, job.id);
    before.scheduler.stop();

    let now = Date.now();
    const next = new Scheduler({
      site: { ...defaultSiteConfig(), capMw: 18 },
      jobs: new Map(before.scheduler.listJobs().map((j): [string, Job] => [j.id, j])),
      nodes: new Map(before.scheduler.listNodes().map(({ record }): [string, NodeRecord] => [record.id, record])),
      log: createLogger('test', 'silent'),
      now: () => now,
      ports: { putJob: async () => {}, deleteJob: async () => {}, putNode: async () => {}, putSite: async () => {}, openNode: async () => {}, sendCommand: async () => {} },
    });
    now += 16_000; // past the 15 s node lease: a fleet may still be reconnecting
    await next.checkLeases();
    expect(next.getJob(job.id)).toMatchObject({ state: 'RUNNING', attempt: 1 });
    now += 45_000; // past the failover lease: the node is gone
    await next.checkLeases();
    expect(next.getJob(job.id).state).not.toBe('RUNNING');
    expect(next.getJob(job.id).reason).toMatch(/no report for 61s/);
    next.stop();
  });
});
