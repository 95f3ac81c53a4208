import { describe, expect, it } from 'vitest';
import { WattpackError, createLogger, defaultSiteConfig, type Job } from '@wattpack/common';
import { setup, spec } from '../testing/live-scheduler.js';
import { Scheduler } from './scheduler.js';

describe('submissions: arrays, batches, request ids', () => {
  it('makes an array of tasks in index order, with their index in the env, and finds a task by its unpadded id', async () => {
    const { scheduler, settle } = await setup();
    const first = await scheduler.submit(spec({ gpus: 1 }), { array: '0-11:1,40' });
    expect(first.array).toMatchObject({ index: 0 });
    const tasks = scheduler.listJobs().filter((j) => j.array?.jobId === first.array!.jobId);
    expect(tasks.map((t) => t.array!.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 40]);
    expect(tasks.map((t) => t.id)).toEqual([...tasks.map((t) => t.id)].sort());
    expect(tasks[12]!.spec.env).toMatchObject({ WATTPACK_ARRAY_JOB_ID: first.array!.jobId, WATTPACK_ARRAY_INDEX: '40' });
    expect(scheduler.getJob(`${first.array!.jobId}_7`).array!.index).toBe(7);
    await settle();
  });

  it('runs at most %N tasks of an array at once; the rest wait with that reason', async () => {
    const { scheduler, settle, starts, finish } = await setup();
    const first = await scheduler.submit(spec({ gpus: 1 }), { array: '0-5%2' });
    await settle();
    expect(starts()).toHaveLength(2);
    const id = first.array!.jobId;
    expect(scheduler.getJob(`${id}_2`)).toMatchObject({ state: 'PENDING', reason: 'array: 2 task(s) at a time (%2)' });
    await finish(scheduler.getJob(`${id}_0`));
    await settle();
    expect(starts()).toHaveLength(3);
    expect(starts()[2]!.command.jobId).toBe(`${id}_2`);
  });

  it('cancels every task of an array by the array id', async () => {
    const { scheduler } = await setup();
    const first = await scheduler.submit(spec({ gpus: 8, nodes: 2 }), { array: '0-3' });
    await scheduler.cancel(first.array!.jobId, 'wrong data');
    const states = scheduler.listJobs().map((j) => j.cancelRequested || j.state === 'CANCELLED');
    expect(states).toEqual([true, true, true, true]);
  });

  it('takes a batch all or nothing, naming the entry that is wrong', async () => {
    const { scheduler } = await setup();
    const ok = await scheduler.submitMany([{ specJson: spec({ gpus: 1 }) }, { specJson: spec({ gpus: 2 }), array: '0-2' }, { specJson: spec({ gpus: 1 }), requestId: 'r1' }]);
    expect(ok).toHaveLength(3);
    expect(scheduler.listJobs()).toHaveLength(5);
    // A retried batch returns the same jobs for the entries with request ids.
    const again = await scheduler.submitMany([{ specJson: spec({ gpus: 1 }), requestId: 'r1' }, { specJson: spec({ gpus: 1 }), requestId: 'r1' }]);
    expect(again.map((j) => j.id)).toEqual([ok[2]!.id, ok[2]!.id]);
    const bad = scheduler.submitMany([{ specJson: spec({ gpus: 1 }) }, { specJson: spec({ gpus: 99 }) }]);
    await expect(bad).rejects.toThrow(/^jobs\[1\]: invalid job spec: gpus/);
    await expect(scheduler.submitMany([{ specJson: spec(), array: '5-1' }])).rejects.toThrow(/array "5-1": 5-1: the range ends before it starts/);
    await expect(scheduler.submitMany([{ specJson: spec(), array: '0-20000' }])).rejects.toThrow(/more than 10000 tasks/);
    expect(scheduler.listJobs()).toHaveLength(5);
  });

  it("counts an array's tasks against the team's queue limit", async () => {
    const { scheduler } = await setup(18, { maxQueuedPerTeam: 10 });
    await expect(scheduler.submit(spec({ gpus: 8, nodes: 2 }), { array: '0-10' })).rejects.toThrow(WattpackError);
    await expect(scheduler.submit(spec({ gpus: 8, nodes: 2 }), { array: '0-10' })).rejects.toThrow(/and 11 more would exceed the site's limit/);
    expect(scheduler.listJobs()).toHaveLength(0);
  });

  it('forgets finished jobs past the retention, from memory, the store, the listing and the request ids', async () => {
    let clock = Date.now();
    const { scheduler, settle, finish, deleted } = await setup(18, { finishedJobRetention: 3600 }, { now: () => clock });
    const old = await scheduler.submit(spec({ gpus: 1 }), { owner: 'alice', requestId: 'r-1' });
    await settle();
    await finish(old);
    clock += 3601_000;
    const running = await scheduler.submit(spec({ gpus: 1 }), { owner: 'alice' });
    await settle();
    // Cancelled now (or told to stop): within the retention either way.
    const recent = await scheduler.submit(spec({ gpus: 1 }), { owner: 'alice' });
    await scheduler.cancel(recent.id, 'changed my mind');
    expect(scheduler.getJob(old.id).state).toBe('SUCCEEDED');

    expect(await scheduler.forgetFinished()).toBe(1);
    expect(deleted).toEqual([old.id]);
    expect(() => scheduler.getJob(old.id)).toThrow(WattpackError);
    expect(scheduler.listJobs().map((j) => j.id)).toEqual([running.id, recent.id]);
    expect(scheduler.pageJobs({}).jobs.map((j) => j.id)).toEqual([running.id, recent.id]);
    // Its request id went with it: the same id makes a new job.
    const again = await scheduler.submit(spec({ gpus: 1 }), { owner: 'alice', requestId: 'r-1' });
    expect(again.id).not.toBe(old.id);
    expect(await scheduler.forgetFinished()).toBe(0);
  });

  describe('an array submit cut off half-way (the lease lost mid-write)', () => {
    /** A store that fails its `n`th write, as KV does when the lease lapses. */
    const failing = (n: number) => {
      let writes = 0;
      return { beforePut: () => void (++writes === n && (() => { throw new WattpackError('UNAVAILABLE', 'this scheduler is no longer the leader'); })()) };
    };
    const tasksOf = (jobs: Job[], arrayId: string) => jobs.filter((j) => j.array?.jobId === arrayId).map((j) => j.array!.index).sort((a, b) => a - b);

    it("the client's retry with its request id stores the rest of the same array, not a second one", async () => {
      const { scheduler } = await setup(18, {}, failing(5));
      await expect(scheduler.submit(spec({ gpus: 1 }), { owner: 'alice', requestId: 'r-arr', array: '0-9' })).rejects.toThrow(/no longer the leader/);
      const first = await scheduler.submit(spec({ gpus: 1 }), { owner: 'alice', requestId: 'r-arr', array: '0-9' });
      expect(tasksOf(scheduler.listJobs(), first.array!.jobId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(new Set(scheduler.listJobs().map((j) => j.array?.jobId)).size).toBe(1);
      expect(scheduler.getJob(first.id).array!.pending).toBeUndefined();
    });

    it("the next term's recovery stores the rest when no client retries", async () => {
      const { scheduler, stored } = await setup(18, {}, failing(5));
      await expect(scheduler.submit(spec({ gpus: 1 }), { owner: 'alice', array: '0-9' })).rejects.toThrow(/no longer the leader/);
      scheduler.stop();
      // What the store holds: the last write of each job.
      const kept = new Map(stored.map((j) => [j.id, j]));
      const head = [...kept.values()].find((j) => j.array?.index === 0)!;
      expect(head.array!.pending).toBe('0-9');
      expect(tasksOf([...kept.values()], head.array!.jobId).length).toBeLessThan(10);
      const again: Job[] = [];
      const next = new Scheduler({
        site: { ...defaultSiteConfig(), capMw: 18 },
        jobs: kept,
        nodes: new Map(),
        log: createLogger('test', 'silent'),
        ports: { putJob: async (j) => void again.push(j), deleteJob: async () => {}, putNode: async () => {}, putSite: async () => {}, openNode: async () => {}, sendCommand: async () => {} },
      });
      await next.recover();
      next.stop();
      expect(tasksOf(next.listJobs(), head.array!.jobId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(next.getJob(head.id).array!.pending).toBeUndefined();
      expect(again.at(-1)).toMatchObject({ id: head.id });
    });
  });
});
