import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ListHistoryResponse__Output } from '@wattpack/common/proto/ListHistoryResponse';
import { useLocalSite, waitFor } from './harness.js';

/**
 * A real starved agent (SIGSTOP) silent past nodeLostSeconds: its attempt is judged lost
 * and requeued, and its job waits (the only node is not ready). When the agent is
 * continued (SIGCONT), what it says settles the job exactly once: the attempt's exit
 * (it ended while the agent was stopped) or the attempt itself, still running.
 */
const site = useLocalSite({ agents: [{ id: 'gpu-1', profile: 'h100x8', labels: 'rack=r1' }], site: { nodeLeaseSeconds: 1, nodeLostSeconds: 3 } });

/** Submits a job that appends its attempt id to a file of its own, then sleeps. */
async function submitMarked(marks: string, name: string, sleepS: number): Promise<string> {
  const spec = { name, gpus: 1, env: { MARKS: marks }, command: ['sh', '-c', `echo $WATTPACK_ATTEMPT_ID >> $MARKS/$WATTPACK_JOB_ID; sleep ${sleepS}`] };
  return (await site().rpc<{ id: string }>('SubmitJob', { specJson: JSON.stringify(spec) })).id;
}

/** Stops the agent until its job's attempt is judged lost and requeued, then continues it. */
async function starveUntilLost(id: string): Promise<void> {
  await site().waitForState(id, ['RUNNING'], 60_000);
  site().pauseAgent('gpu-1', true);
  try {
    // Back in the queue (its reason then says why it waits: no node ready).
    await waitFor('the attempt judged lost and requeued', async () => ((await site().job(id)).state === 'PENDING' ? true : undefined), 60_000);
  } finally {
    site().pauseAgent('gpu-1', false);
  }
}

async function expectRanOnce(marks: string, id: string): Promise<void> {
  const done = await site().waitForState(id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 60_000);
  expect(done.state, done.reason).toBe('SUCCEEDED');
  expect(done.attempt).toBe(1);
  expect(readFileSync(join(marks, id), 'utf8').trim().split('\n')).toEqual([`${id}-a1`]);
  // The history: the attempt's REQUEUED record replaced by how it ended.
  const records = await waitFor('the attempt SUCCEEDED in the history', async () => {
    const { records } = await site().rpc<ListHistoryResponse__Output>('ListHistory', { jobId: id });
    return records.some((r) => r.state === 'SUCCEEDED') ? records : undefined;
  }, 120_000);
  expect(records.map((r) => [r.attemptId, r.state])).toEqual([[`${id}-a1`, 'SUCCEEDED']]);
}

describe('an attempt judged lost while its agent was starved', () => {
  it('that ended meanwhile settles its job with its exit: SUCCEEDED once, run once', async () => {
    const marks = site().jobDir('ended');
    const id = await submitMarked(marks, 'ends-while-starved', 1);
    await starveUntilLost(id);
    await expectRanOnce(marks, id);
  }, 180_000);

  it('that still runs is taken back by its waiting job, not run again', async () => {
    const marks = site().jobDir('running');
    const id = await submitMarked(marks, 'outlives-the-starving', 30);
    await starveUntilLost(id);
    await waitFor('the job running its first attempt again', async () => {
      const j = await site().job(id);
      return j.state === 'RUNNING' && j.attempt === 1 ? j : undefined;
    }, 60_000);
    await expectRanOnce(marks, id);
  }, 180_000);
});
