import { describe, expect, it } from 'vitest';
import { TracedWorkload } from '../faults/workload.js';
import { useLocalSite, waitFor } from './harness.js';
import { leaderId as leaderIdOf } from './leader.js';

const site = useLocalSite({ schedulers: 2 });

const leaderId = () => leaderIdOf(site());

// docs/operations.md, "Upgrade": restart (or replace) the standby first, then the leader;
// systemd stops each with SIGTERM. No job may be lost or started twice.
describe('a rolling restart of the schedulers, standby first', () => {
  it('loses no job and starts none twice', async () => {
    const work = new TracedWorkload(site());
    const ids = await work.submit(8, { seconds: 4 });
    await site().waitForState(ids[0]!, ['RUNNING']);

    const leader = await leaderId();
    const standby = leader === 's1' ? 's2' : 's1';
    expect([...site().schedulers.keys()].sort()).toEqual(['s1', 's2']);
    await site().killSchedulerById(standby, 'SIGTERM');
    site().spawnScheduler(standby);
    expect(await leaderId()).toBe(leader); // the standby's restart moved nothing

    await site().killSchedulerById(leader, 'SIGTERM');
    await waitFor('the restarted standby to lead', async () => ((await leaderId()) === standby ? true : undefined), 30_000);
    await site().waitForLeader(30_000);
    site().spawnScheduler(leader);

    const outcome = await work.settle(90_000);
    expect(outcome).toMatchObject({ submitted: 8, finished: 8, lost: 0, duplicated: 0 });
    for (const job of outcome.jobs) expect(job.attempt, job.id).toBe(1);
    expect(await leaderId()).toBe(standby); // the old leader came back as the standby
  }, 180_000);
});
