import { describe, expect, it } from 'vitest';
import type { Job } from '@wattpack/common';
import { setup, spec } from '../testing/live-scheduler.js';

/**
 * A store whose writes wait (up to a second each) until `want` of them are in flight at
 * once: writes made one after the other never get there, and each then takes the second.
 */
function overlapProbe(want: number) {
  const probe = { inFlight: 0, most: 0, on: true };
  const beforePut = async () => {
    probe.inFlight++;
    probe.most = Math.max(probe.most, probe.inFlight);
    const deadline = Date.now() + 1000;
    while (probe.on && probe.most < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    probe.inFlight--;
  };
  return { probe, beforePut };
}

describe('group commit: what arrives together takes one turn of the serial queue', () => {
  it('writes the jobs of submits that arrive together at once, not one round-trip each', async () => {
    const { probe, beforePut } = overlapProbe(10);
    const { scheduler } = await setup(18, {}, { beforePut });
    const jobs = await Promise.all(Array.from({ length: 10 }, () => scheduler.submit(spec({ gpus: 1 }))));
    probe.on = false;
    expect(probe.most).toBe(10);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(10);
    expect(scheduler.listJobs()).toHaveLength(10);
  });

  it('makes one job of calls with one request id, and fails a bad call alone, counting the others against the queue limit', async () => {
    const { scheduler } = await setup(18, { maxQueuedPerTeam: 3 });
    const calls = await Promise.allSettled([
      scheduler.submit(spec({ gpus: 1 }), { requestId: 'same' }),
      scheduler.submit(spec({ gpus: 1 }), { requestId: 'same' }),
      scheduler.submit(spec({ gpus: 8, nodes: 3 })),
      scheduler.submit(spec({ gpus: 1 })),
      scheduler.submit(spec({ gpus: 1 })),
      scheduler.submit(spec({ gpus: 1 })),
    ]);
    const value = (i: number) => (calls[i] as PromiseFulfilledResult<Job>).value;
    expect(calls.map((c) => c.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'rejected']);
    expect(value(1).id).toBe(value(0).id);
    expect(String((calls[2] as PromiseRejectedResult).reason)).toMatch(/3 nodes/);
    expect(String((calls[5] as PromiseRejectedResult).reason)).toMatch(/maxQueuedPerTeam 3/);
    expect(scheduler.listJobs().map((j) => j.id).sort()).toEqual([value(0).id, value(3).id, value(4).id].sort());
  });

  it("applies different jobs' events side by side and each job's in order", async () => {
    const { probe, beforePut } = overlapProbe(4);
    probe.on = false;
    const { scheduler, settle } = await setup(18, {}, { beforePut });
    const jobs = await Promise.all(Array.from({ length: 4 }, () => scheduler.submit(spec({ gpus: 1 }))));
    await settle();
    const placed = jobs.map((j) => scheduler.getJob(j.id));
    expect(placed.map((j) => j.state)).toEqual(['STARTING', 'STARTING', 'STARTING', 'STARTING']);
    probe.on = true;
    probe.most = 0;
    await Promise.all(
      placed.flatMap((j) => {
        const base = { nodeId: j.assignments[0]!.nodeId, jobId: j.id, attemptId: j.attemptId };
        return [scheduler.handleEvent({ ...base, kind: 'started', at: 1000 }), scheduler.handleEvent({ ...base, kind: 'exited', at: 2000, exitCode: 0 })];
      }),
    );
    probe.on = false;
    expect(probe.most).toBe(4);
    // In order: the exit came after the start, so the job ran from 1000 to 2000 and succeeded.
    for (const j of placed) expect(scheduler.getJob(j.id)).toMatchObject({ state: 'SUCCEEDED', startedAt: 1000 });
  });
});
