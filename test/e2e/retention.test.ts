import type { Job__Output } from '@wattpack/common/proto/Job';
import type { ListJobsResponse__Output } from '@wattpack/common/proto/ListJobsResponse';
import { describe, expect, it } from 'vitest';
import { useLocalSite, waitFor } from './harness.js';

// Finished jobs leave the scheduler's store one second after they end (at the next sweep).
const site = useLocalSite({ site: { finishedJobRetention: 1 } });

describe('finished-job retention', () => {
  it('removes a finished job from memory and from KV, so a restarted scheduler does not load it', async () => {
    const done = await site().rpc<Job__Output>('SubmitJob', { specJson: JSON.stringify({ name: 'short', gpus: 1, command: ['true'] }) });
    const running = await site().rpc<Job__Output>('SubmitJob', { specJson: JSON.stringify({ name: 'runs', gpus: 1, command: ['sleep', '120'] }) });
    expect((await site().waitForState(done.id, ['SUCCEEDED'])).state).toBe('SUCCEEDED');
    await waitFor('the finished job to leave the store', () => site().job(done.id).then(() => false, (err: Error) => /NOT_FOUND|no job/.test(String(err))), 30_000);

    await site().killScheduler();
    await site().startScheduler();
    await expect(site().job(done.id)).rejects.toThrow(/no job/);
    const { jobs } = await site().rpc<ListJobsResponse__Output>('ListJobs', {});
    // The job still running is kept.
    expect(jobs.map((j) => j.id)).toEqual([running.id]);
  }, 90_000);
});
