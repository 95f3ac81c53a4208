import { describe, expect, it } from 'vitest';
import type { Job, NodeReport, StopCommand } from '@wattpack/common';
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

  /** Two 8-GPU nodes on a hand-moved clock; one 8-GPU job running on one of them. */
  async function busySite(site: object) {
    const clock = { now: Date.now() };
    const { scheduler, settle, stored, sent } = await setup(18, site, { now: () => clock.now });
    const job = await scheduler.submit(spec({ gpus: 8 }));
    await settle();
    const placed = scheduler.getJob(job.id);
    const nodeId = placed.assignments[0]!.nodeId;
    const other = nodeId === 'a' ? 'b' : 'a';
    await run(scheduler, job.id);
    const report = (id: string): Promise<void> => {
      const attempts: NodeReport['attempts'] = id === nodeId ? [{ jobId: job.id, attemptId: placed.attemptId, gpuIndices: [0, 1, 2, 3, 4, 5, 6, 7], startedAtMs: 1 }] : [];
      return scheduler.report(id, { timestampMs: clock.now, gpus: [], miners: [], attempts });
    };
    const status = (id: string) => scheduler.listNodes().find((n) => n.record.id === id)!.record.status;
    return { scheduler, settle, stored, sent, clock, job: placed, nodeId, other, report, status };
  }

  it('a node silent past its lease is ready again on its next report, and takes work at once', async () => {
    const { scheduler, settle, clock, job, nodeId, other, report, status } = await busySite({ nodeLeaseSeconds: 15, nodeLostSeconds: 60 });
    // The whole fleet silent (one starved agent process): both nodes not ready, no new work.
    clock.now += 16_000;
    await scheduler.checkLeases();
    expect([status(nodeId), status(other)]).toEqual(['NOT_READY', 'NOT_READY']);
    const second = await scheduler.submit(spec({ gpus: 8, name: 'second' }));
    await settle();
    expect(scheduler.getJob(second.id).state).toBe('PENDING');
    // Not yet past nodeLostSeconds: the attempt keeps running.
    expect(scheduler.getJob(job.id)).toMatchObject({ state: 'RUNNING', attemptId: job.attemptId });
    // Reports resume on the same streams: ready again, and the free node takes the job.
    await Promise.all([report(nodeId), report(other)]);
    await settle();
    expect([status(nodeId), status(other)]).toEqual(['READY', 'READY']);
    expect(scheduler.getJob(second.id)).toMatchObject({ state: 'STARTING', assignments: [{ nodeId: other }] });
    expect(scheduler.getJob(job.id)).toMatchObject({ state: 'RUNNING', attempt: 1 });
  });

  it('loses a silent node\'s attempts only past nodeLostSeconds, not at the lease', async () => {
    const { scheduler, settle, stored, clock, job, nodeId, other, report, status } = await busySite({ nodeLeaseSeconds: 15, nodeLostSeconds: 60 });
    clock.now += 59_000;
    await report(other);
    await scheduler.checkLeases();
    await settle();
    expect(status(nodeId)).toBe('NOT_READY');
    expect(scheduler.getJob(job.id)).toMatchObject({ state: 'RUNNING', attempt: 1 });
    clock.now += 2_000;
    await report(other);
    await scheduler.checkLeases();
    await settle();
    const after = scheduler.getJob(job.id);
    expect(after.attempt).toBe(2);
    expect(after.assignments[0]?.nodeId).toBe(other);
    expect(stored.find((j) => j.id === job.id && j.state === 'PENDING' && j.attempt === 1)?.reason).toMatch(/^lost on .*: no report for 61s; requeued/);
  });

  it('settles a job by its lost attempt\'s end in a report\'s ended list, withdrawing the next attempt placed meanwhile', async () => {
    const { scheduler, settle, sent, clock, job, nodeId, other, report } = await busySite({ nodeLeaseSeconds: 15, nodeLostSeconds: 60 });
    clock.now += 61_000;
    await report(other);
    await scheduler.checkLeases();
    await settle();
    expect(scheduler.getJob(job.id)).toMatchObject({ state: 'STARTING', attempt: 2, assignments: [{ nodeId: other }] });
    // The lost node speaks again: attempt 1 had ended with code 0 while it was silent.
    await scheduler.report(nodeId, {
      timestampMs: clock.now, gpus: [], miners: [], attempts: [],
      ended: [{ jobId: job.id, attemptId: job.attemptId, failed: false, exitCode: 0, signal: '', reason: '', atMs: clock.now - 30_000 }],
    });
    await settle();
    expect(scheduler.getJob(job.id)).toMatchObject({ state: 'SUCCEEDED', attempt: 1, attemptId: job.attemptId, exitCode: 0 });
    expect(sent.filter((x) => x.nodeId === other && x.command.kind === 'stop').map((x) => (x.command as StopCommand).attemptId)).toEqual([`${job.id}-a2`]);
    expect(scheduler.snapshot().nodes.find((n) => n.id === other)!.gpus.every((g) => g.jobId === undefined)).toBe(true);
  });
});
