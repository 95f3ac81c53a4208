import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLocalSite } from './harness.js';

const site = useLocalSite();

describe('kill -9 of the scheduler', () => {
  it('loses no job and starts none twice', async () => {
    const marks = site().jobDir('marks');
    // Each run appends its attempt id to a file named after its job: two lines would mean two starts.
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const spec = { name: `crash-${i}`, gpus: 8, env: { MARKS: marks }, command: ['sh', '-c', 'echo $WATTPACK_ATTEMPT_ID >> $MARKS/$WATTPACK_JOB_ID; sleep 3'] };
      ids.push((await site().rpc<{ id: string }>('SubmitJob', { specJson: JSON.stringify(spec) })).id);
    }
    // Two run (one per node), four queue.
    await site().waitForState(ids[0]!, ['RUNNING']);
    expect((await site().job(ids[5]!)).state).toBe('PENDING');
    await site().killScheduler();
    await new Promise((r) => setTimeout(r, 2000)); // the running jobs end while no scheduler is up
    await site().startScheduler();

    for (const id of ids) {
      const done = await site().waitForState(id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 45_000);
      expect(done.state, `${id}: ${done.reason}`).toBe('SUCCEEDED');
      expect(done.attempt).toBe(1);
    }
    const started = readdirSync(marks);
    expect(started.sort()).toEqual([...ids].sort());
    for (const id of ids) expect(readFileSync(join(marks, id), 'utf8').trim().split('\n')).toHaveLength(1);
  }, 90_000);
});
