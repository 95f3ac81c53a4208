import { describe, expect, it } from 'vitest';
import type { Job } from '@wattpack/common';
import { run, setup, spec } from '../testing/live-scheduler.js';

describe('node leases on a busy scheduler', () => {
  it('do not lapse for a node whose report waits in the queue behind a slow task', async () => {
    let now = Date.now();
    let stall: Promise<void> | undefined;
    const { scheduler, settle } = await setup(18, {}, { now: () => now, beforePut: () => stall });
    const job = await scheduler.submit(spec({ gpus: 8 }));
    await settle();
    const placed = scheduler.getJob(job.id);
    const nodeId = placed.assignments[0]!.nodeId;
    await run(scheduler, job.id);
    const report = (id: string) => scheduler.report(id, { timestampMs: now, gpus: [], miners: [], attempts: id === nodeId ? [{ jobId: job.id, attemptId: placed.attemptId, gpuIndices: [0, 1, 2, 3, 4, 5, 6, 7], startedAtMs: 1 }] : [] });
    await Promise.all([report('a'), report('b')]);

    // A store write holds the serial queue past the 15 s node lease (a big pass on a loaded machine).
    let release!: () => void;
    stall = new Promise<void>((r) => (release = r));
    const submitted = scheduler.submit(spec({ gpus: 8, name: 'other' }));
    now += 16_000;
    // Both nodes report meanwhile; their reports wait in the queue, as does the lease check.
    const waiting = [report('a'), report('b'), scheduler.checkLeases()];
    stall = undefined;
    release();
    await Promise.all([submitted, ...waiting]);
    await settle();

    const after: Job = scheduler.getJob(job.id);
    expect(after).toMatchObject({ state: 'RUNNING', attempt: 1, attemptId: placed.attemptId });
    expect(scheduler.listNodes().map((n) => n.record.status)).toEqual(['READY', 'READY']);
  });

  it('a node found silent that reports again is READY again; what it ran meanwhile was lost and requeued', async () => {
    let now = Date.now();
    const { scheduler, settle } = await setup(18, {}, { now: () => now });
    const job = await scheduler.submit(spec({ gpus: 8 }));
    await settle();
    const placed = scheduler.getJob(job.id);
    const nodeId = placed.assignments[0]!.nodeId;
    await run(scheduler, job.id);
    const report = (id: string) => scheduler.report(id, { timestampMs: now, gpus: [], miners: [], attempts: id === nodeId ? [{ jobId: job.id, attemptId: placed.attemptId, gpuIndices: [0, 1, 2, 3, 4, 5, 6, 7], startedAtMs: 1 }] : [] });
    await Promise.all([report('a'), report('b')]);

    // Both nodes' reports stop past the 15 s lease (their host starved), then come again.
    now += 16_000;
    await scheduler.checkLeases();
    expect(scheduler.listNodes().map((n) => n.record.status)).toEqual(['NOT_READY', 'NOT_READY']);
    expect(scheduler.getJob(job.id).state).toBe('PENDING');
    await Promise.all([report('a'), report('b')]);
    await settle();

    expect(scheduler.listNodes().map((n) => n.record.status)).toEqual(['READY', 'READY']);
  });
});
