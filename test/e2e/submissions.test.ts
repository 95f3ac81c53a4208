import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Job__Output } from '@wattpack/common/proto/Job';
import type { ListJobsResponse__Output } from '@wattpack/common/proto/ListJobsResponse';
import { describe, expect, it } from 'vitest';
import { useLocalSite, waitFor } from './harness.js';

const site = useLocalSite();

const spec = (name: string) => JSON.stringify({ name, gpus: 1, command: ['sleep', '1'] });

async function jobsNamed(name: string): Promise<Job__Output[]> {
  const { jobs } = await site().rpc<ListJobsResponse__Output>('ListJobs', { limit: 1000 });
  return jobs.filter((j) => j.spec?.name === name);
}

describe('a submit retried with its request id', () => {
  it('returns the first job, also after the scheduler was killed -9, and only for the same caller', async () => {
    const first = await site().rpc<Job__Output>('SubmitJob', { specJson: spec('once'), requestId: 'req-1' });
    const again = await site().rpc<Job__Output>('SubmitJob', { specJson: spec('once'), requestId: 'req-1' });
    expect(again.id).toBe(first.id);

    await site().killScheduler();
    await site().startScheduler();
    const afterKill = await site().rpc<Job__Output>('SubmitJob', { specJson: spec('once'), requestId: 'req-1' });
    expect(afterKill.id).toBe(first.id);
    expect(await jobsNamed('once')).toHaveLength(1);

    // Another caller's request id is their own.
    const ada = await site().clientAs('ada', 'user', ['ml']);
    const theirs = await ada.rpc<Job__Output>('SubmitJob', { specJson: spec('once'), requestId: 'req-1' });
    expect(theirs.id).not.toBe(first.id);
    ada.close();

    await expect(site().rpc('SubmitJob', { specJson: spec('bad-id'), requestId: 'has spaces' })).rejects.toThrow(/request_id: 1 to 128 letters/);
  }, 90_000);

  it('the CLI retries while the scheduler is down and makes one job', async () => {
    await site().killScheduler();
    const submit = site().cli(['submit', '--name', 'retried', '--gpus', '1', '--', 'true']);
    await new Promise((r) => setTimeout(r, 1500));
    await site().startScheduler();
    const res = await submit;
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/did not answer; retrying/);
    expect(await jobsNamed('retried')).toHaveLength(1);
  }, 90_000);

  it('an array runs every task with its index, at most %N at once, and `jobs` shows it as one row', async () => {
    const marks = site().jobDir('array-marks');
    const sub = await site().cli(['submit', '--array', '0-5%2', '--name', 'sweep', '--gpus', '1', '--env', `MARKS=${marks}`, '--', 'sh', '-c', 'echo $WATTPACK_ARRAY_JOB_ID > $MARKS/$WATTPACK_ARRAY_INDEX; sleep 1']);
    expect(sub.exitCode, sub.stderr).toBe(0);
    const arrayId = /submitted array (\S+) \(6 tasks\)/.exec(sub.stdout)?.[1];
    expect(arrayId, sub.stdout).toBeDefined();
    // The throttle: never more than two tasks holding GPUs.
    let most = 0;
    await waitFor('every task to succeed', async () => {
      const { jobs } = await site().rpc<ListJobsResponse__Output>('ListJobs', { limit: 1000 });
      const tasks = jobs.filter((j) => j.arrayJobId === arrayId);
      most = Math.max(most, tasks.filter((t) => t.state === 'STARTING' || t.state === 'RUNNING').length);
      return tasks.length === 6 && tasks.every((t) => t.state === 'SUCCEEDED');
    }, 60_000);
    expect(most).toBeLessThanOrEqual(2);
    expect(readdirSync(marks).sort()).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(readFileSync(join(marks, '3'), 'utf8').trim()).toBe(arrayId);
    const table = await site().cli(['jobs']);
    expect(table.stdout).toMatch(new RegExp(`${arrayId}_\\[0-5\\]\\s+sweep\\s+default\\s+SUCCEEDED 6`));
    const task = await site().cli(['job', `${arrayId}_4`]);
    expect(task.stdout).toMatch(/SUCCEEDED/);
  }, 90_000);
});

