import { describe, expect, it } from 'vitest';
import { parseJobSpec, type Assignment, type Job, type JobEvent } from '@wattpack/common';
import { holdsResources, markLost, readopt, settleLate } from './job-transitions.js';

const part = (nodeId: string, extra: Partial<Assignment> = {}): Assignment => ({ nodeId, gpuIndices: [0], gpuModel: 'H100', started: true, startedAt: 100, ended: false, ...extra });

/** A one-GPU job running its first attempt on `nodes`. */
function running(nodes = ['gpu-1']): Job {
  return {
    id: 'j1',
    spec: parseJobSpec({ name: 'true', command: ['true'], gpus: 1 }),
    owner: 'alice',
    state: 'RUNNING',
    reason: '',
    submittedAt: 1,
    startedAt: 100,
    attempt: 1,
    attemptId: 'j1-a1',
    assignments: nodes.map((n) => part(n)),
    powerLimitW: 700,
    allocatedFacilityW: 1000,
  };
}

const exited = (exitCode: number, extra: Partial<JobEvent> = {}): JobEvent => ({ kind: 'exited', nodeId: 'gpu-1', jobId: 'j1', attemptId: 'j1-a1', at: 150, exitCode, ...extra }) as JobEvent;

/** Lost with its node and requeued: PENDING, attempt 1 remembered. */
const requeued = (): Job => markLost(running(), 'gpu-1', 'no report for 61s', 200)!.job;

/** Requeued, then placed again on gpu-2 as attempt 2 (not started yet). */
const replaced = (): Job => ({ ...requeued(), state: 'STARTING', attempt: 2, attemptId: 'j1-a2', assignments: [part('gpu-2', { started: false, startedAt: undefined })] });

describe('a lost attempt', () => {
  it('is remembered when its one-node job is requeued; a gang is not (its other parts were stopped)', () => {
    const job = requeued();
    expect(job).toMatchObject({ state: 'PENDING', attempt: 1, assignments: [], lostAttempt: { attempt: 1, attemptId: 'j1-a1', part: { nodeId: 'gpu-1', started: true } } });
    expect(job.reason).toMatch(/^lost on gpu-1: no report for 61s; requeued to resume$/);
    const gang = markLost(running(['gpu-1', 'gpu-2']), 'gpu-1', 'silent', 200)!;
    expect(gang.stopNodes).toEqual(['gpu-2']);
    expect(gang.job.lostAttempt).toBeUndefined();
  });

  it('settles its job with its late exit while the job waits in the queue: SUCCEEDED once, as attempt 1', () => {
    const late = settleLate(requeued(), exited(0), 300)!;
    expect(late.withdrawn).toBeUndefined();
    expect(late.stopNodes).toEqual([]);
    expect(late.job).toMatchObject({ state: 'SUCCEEDED', exitCode: 0, attempt: 1, attemptId: 'j1-a1', finishedAt: 300, assignments: [{ nodeId: 'gpu-1', ended: true, exitCode: 0 }] });
    expect(late.job.lostAttempt).toBeUndefined();
    expect(holdsResources(late.job)).toBe(false);
    // Its history record: the attempt as it ran, and as it ended.
    expect(late.record.before).toMatchObject({ state: 'RUNNING', attemptId: 'j1-a1', assignments: [{ nodeId: 'gpu-1', startedAt: 100, ended: false }] });
    expect(late.record.after).toMatchObject({ state: 'SUCCEEDED', attemptId: 'j1-a1' });
    // Settled: the same exit again (redelivered, or in the next report's ended list) changes nothing.
    expect(settleLate(late.job, exited(0), 400)).toBeUndefined();
  });

  it('fails its job with its exit code, or with why it failed to start', () => {
    expect(settleLate(requeued(), exited(3), 300)!.job).toMatchObject({ state: 'FAILED', exitCode: 3, reason: 'exited with code 3' });
    const failed: JobEvent = { kind: 'failed', nodeId: 'gpu-1', jobId: 'j1', attemptId: 'j1-a1', at: 150, reason: 'image not found' };
    expect(settleLate(requeued(), failed, 300)!.job).toMatchObject({ state: 'FAILED', reason: 'image not found' });
  });

  it('withdraws a next attempt placed but not started: its GPUs freed, its node told to stop it', () => {
    const late = settleLate(replaced(), exited(0), 300)!;
    expect(late.withdrawn).toMatchObject({ state: 'PENDING', attempt: 2, attemptId: 'j1-a2', assignments: [], allocatedFacilityW: 0 });
    expect(late.withdrawn!.reason).toMatch(/withdrawn before it started/);
    expect(late.stopNodes).toEqual(['gpu-2']);
    expect(late.job).toMatchObject({ state: 'SUCCEEDED', attempt: 1, attemptId: 'j1-a1' });
    expect(holdsResources(late.job)).toBe(false);
  });

  it('leaves the job alone once its next attempt has started: only the history learns how it ended', () => {
    const next = { ...replaced(), assignments: [part('gpu-2')] };
    const late = settleLate(next, exited(0), 300)!;
    expect(late.withdrawn).toBeUndefined();
    expect(late.stopNodes).toEqual([]);
    const { lostAttempt: _, ...unchanged } = next;
    expect(late.job).toEqual(unchanged);
    expect(late.record.after).toMatchObject({ state: 'SUCCEEDED', attemptId: 'j1-a1' });
    expect(late.record.after.reason).toMatch(/judged lost; attempt 2 had started/);
    // Running as attempt 2 (STARTING with a part started counts too).
    expect(settleLate({ ...next, state: 'RUNNING' }, exited(0), 300)!.job.state).toBe('RUNNING');
  });

  it('ignores a start, another node, or another attempt', () => {
    const job = requeued();
    expect(settleLate(job, { kind: 'started', nodeId: 'gpu-1', jobId: 'j1', attemptId: 'j1-a1', at: 150 }, 300)).toBeUndefined();
    expect(settleLate(job, exited(0, { nodeId: 'gpu-9' }), 300)).toBeUndefined();
    expect(settleLate(job, exited(0, { attemptId: 'j1-a0' }), 300)).toBeUndefined();
    expect(settleLate(running(), exited(0), 300)).toBeUndefined();
  });

  it('is taken back, running as attempt 1 with its GPUs and watts, when its node reports it still running while the job waits', () => {
    const back = readopt(requeued(), 'gpu-1', 'j1-a1')!;
    expect(back).toMatchObject({ state: 'RUNNING', reason: '', attempt: 1, attemptId: 'j1-a1', allocatedFacilityW: 1000, assignments: [{ nodeId: 'gpu-1', started: true, ended: false }] });
    expect(back.lostAttempt).toBeUndefined();
    expect(holdsResources(back)).toBe(true);
    // Placed again meanwhile, reported by another node, or another attempt: not its to take back.
    expect(readopt(replaced(), 'gpu-1', 'j1-a1')).toBeUndefined();
    expect(readopt(requeued(), 'gpu-2', 'j1-a1')).toBeUndefined();
    expect(readopt(requeued(), 'gpu-1', 'j1-a0')).toBeUndefined();
  });
});
