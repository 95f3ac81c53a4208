import { describe, expect, it } from 'vitest';
import { setup, spec } from './test-scheduler.js';

describe('dependencies in the live loop', () => {
  it('places an after-ok job only once its dependency succeeded, and keeps it free to run after the dependency is swept away', async () => {
    let clock = Date.now();
    const { scheduler, settle, finish, starts } = await setup(18, { finishedJobRetention: 3600 }, { now: () => clock });
    const a = await scheduler.submit(spec({ gpus: 1 }));
    // B needs both nodes whole: it waits for capacity after A, while a blocker holds one node.
    const blocker = await scheduler.submit(spec({ gpus: 8 }));
    const b = await scheduler.submit(spec({ gpus: 8, nodes: 2, afterOk: [a.id] }));
    await settle();
    expect(scheduler.getJob(b.id)).toMatchObject({ state: 'PENDING', reason: `dependency: waiting for job ${a.id} to succeed` });
    await finish(a);
    expect(scheduler.getJob(b.id).state).toBe('PENDING');
    expect(scheduler.getJob(b.id).dependenciesMet).toBe(true);
    clock += 3601_000;
    expect(await scheduler.forgetFinished()).toBe(1);
    // A is gone; B still waits for room, not for A, and runs once the blocker ends.
    await finish(scheduler.getJob(blocker.id));
    await settle();
    expect(scheduler.getJob(b.id).state).toBe('STARTING');
    expect(starts().filter((s) => s.command.jobId === b.id).map((s) => s.command.rendezvous?.port)).toEqual([29_500, 29_500]);
  });

  it('ends an after-ok job CANCELLED with the reason when its dependency fails', async () => {
    const { scheduler, settle, finish } = await setup();
    const a = await scheduler.submit(spec({ gpus: 1 }));
    const c = await scheduler.submit(spec({ gpus: 1, afterOk: [a.id] }));
    await settle();
    await finish(a, 3);
    await settle();
    expect(scheduler.getJob(c.id)).toMatchObject({ state: 'CANCELLED', attempt: 0, reason: `dependency never satisfied: job ${a.id} (after-ok) ended FAILED: exited with code 3` });
  });
});
