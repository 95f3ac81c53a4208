import { describe, expect, it, vi } from 'vitest';
import type { Job, MinersCommand } from '@wattpack/common';
import { planView } from '../api/views.js';
import { siteSplit } from '../core/watts.js';
import { inventory, setup, spec, until } from '../testing/live-scheduler.js';
import type { PassRecord } from './cycle.js';
import { LoopState } from './state.js';

describe('the live pass: plan, then verify and commit against the state at commit', () => {
  it('requeues a placement whose node was drained between plan and commit, sends no start, and places it once the node is back', async () => {
    let drainOnNextPlan = false;
    const { scheduler, stored, starts } = await setup(18, {}, {
      now: () => {
        // The first clock read after the submit is the pass's snapshot: an operator's
        // drain lands while it plans, before it commits.
        if (drainOnNextPlan) {
          drainOnNextPlan = false;
          void scheduler.drain({ nodeIds: ['a', 'b'] }, { reason: 'maintenance', by: 'ops', migrate: true, force: false });
        }
        return Date.now();
      },
    });
    const job = await scheduler.submit(spec());
    // A waiting job's reason is kept in memory, not stored: watch its changes.
    const seen: Job[] = [];
    scheduler.changes.on('job', (j: Job) => j.id === job.id && seen.push(j));
    drainOnNextPlan = true;

    const requeued = (j: Job) => j.reason.startsWith('requeued: node ');
    await until('the requeue at commit', () => seen.some(requeued));
    expect(seen.find(requeued)!.reason).toMatch(/^requeued: node [ab] no longer takes work \(down, draining or unhealthy\)$/);
    expect(stored.some((j) => j.id === job.id && j.state === 'STARTING')).toBe(false);
    expect(starts()).toHaveLength(0);

    await scheduler.uncordon({ nodeIds: ['a', 'b'] });
    await until('the placement after uncordon', () => scheduler.getJob(job.id).state === 'STARTING');
    expect(starts().map((s) => s.command.jobId)).toEqual([job.id]);
  });

  it('verifies a commit against the snapshot the plan read when nothing ran in between (one snapshot a pass, not two)', async () => {
    const { scheduler, settle } = await setup();
    await settle();
    const snapshots = vi.spyOn(LoopState.prototype, 'snapshot');
    try {
      const job = await scheduler.submit(spec());
      await until('placed', () => scheduler.getJob(job.id).state === 'STARTING');
      await settle();
      expect(snapshots).toHaveBeenCalledTimes(1);
    } finally {
      snapshots.mockRestore();
    }
  });

  it("keeps a waiting job's reason in memory, without a store write per pass that changes it", async () => {
    const { scheduler, stored } = await setup();
    await scheduler.drain({ nodeIds: ['a', 'b'] }, { reason: 'maintenance', by: 'ops', migrate: false, force: false });
    const job = await scheduler.submit(spec());
    await until('the reason', () => scheduler.getJob(job.id).reason !== 'queued');
    expect(scheduler.listJobs({ states: ['PENDING'] }).map((j) => j.reason)).toEqual([scheduler.getJob(job.id).reason]);
    expect(stored.filter((j) => j.id === job.id).map((j) => j.reason)).toEqual(['queued']);
    // Its next change is stored as before.
    await scheduler.cancel(job.id, 'not needed');
    expect(stored.filter((j) => j.id === job.id).map((j) => j.state)).toEqual(['PENDING', 'CANCELLED']);
  });

  it('does not place a job that ended between plan and commit (cancelled, or settled by a lost attempt\'s late exit)', async () => {
    let cancelOnNextPlan = false;
    const { scheduler, stored, starts, settle } = await setup(18, {}, {
      now: () => {
        if (cancelOnNextPlan) {
          cancelOnNextPlan = false;
          void scheduler.cancel(job.id, 'changed my mind');
        }
        return Date.now();
      },
    });
    const job = await scheduler.submit(spec());
    cancelOnNextPlan = true;
    await until('the cancel', () => scheduler.getJob(job.id).state === 'CANCELLED');
    await settle();
    expect(stored.some((j) => j.id === job.id && j.state === 'STARTING')).toBe(false);
    expect(scheduler.getJob(job.id)).toMatchObject({ state: 'CANCELLED', attempt: 0 });
    expect(starts()).toHaveLength(0);
  });

  it('curtails a miner first, and places the job that needs its watts only once its telemetry shows it curtailed', async () => {
    const { scheduler, sent, starts, job, minerHost } = await minerBound();
    const curtails = () => sent.filter((s) => s.command.kind === 'miners' && (s.command as MinersCommand).action === 'curtail');
    await until('the curtail command', () => curtails().length > 0);
    await until('the reason', () => scheduler.getJob(job.id).reason === 'power: waiting for 1 miner(s) to curtail');
    expect(scheduler.getJob(job.id).state).toBe('PENDING');
    expect(starts()).toHaveLength(0);

    const curtailed = (curtails()[0]!.command as MinersCommand).minerIds;
    await scheduler.report('m', {
      timestampMs: Date.now(),
      gpus: [],
      attempts: [],
      miners: minerHost.miners.map((m) => ({ id: m.id, state: curtailed.includes(m.id) ? 'MINER_RUN_STATE_CURTAILED' : 'MINER_RUN_STATE_MINING', reason: '' })),
    });
    await until('the placement', () => scheduler.getJob(job.id).state === 'STARTING');
    expect(starts().map((s) => s.command.jobId)).toEqual([job.id]);
  });

  it('previews the next pass through the same driver (the dry run of PlanNext), storing and sending nothing', async () => {
    const { scheduler, sent, stored, job } = await minerBound({ paused: true });
    const [storedBefore, sentBefore, jobBefore] = [stored.length, sent.length, scheduler.getJob(job.id)];
    const view = planView(scheduler.preview());
    expect(view.placements).toEqual([]);
    expect(view.requeued).toEqual([{ jobId: job.id, code: 'power', reason: 'power: waiting for 1 miner(s) to curtail' }]);
    expect(view.curtailMiners).toHaveLength(1);
    expect(view.allocatedW).toBeLessThanOrEqual(view.budgetW);
    expect([stored.length, sent.length, scheduler.getJob(job.id)]).toEqual([storedBefore, sentBefore, jobBefore]);
  });
});

/**
 * Two 8-GPU nodes and a host with two 3 kW miners, under a cap where an 8-GPU job at
 * 700 W fits with one miner curtailed, not with both mining; the job submitted.
 * `paused`: the scheduler runs no pass of its own.
 */
async function minerBound({ paused = false } = {}) {
  const site = await setup(18);
  const { scheduler } = site;
  const minerHost = { ...inventory(0), miners: [0, 1].map((i) => ({ id: `m-${i}`, model: 'S19', endpoint: '', nameplatePowerW: 3000, nameplateHashrateThs: 100, firmware: '' })) };
  await scheduler.registerNode({ nodeId: 'm', labels: {}, inventory: minerHost });
  const snap = scheduler.snapshot();
  const gpu = snap.nodes.find((n) => n.id === 'a')!.gpus[0]!;
  const addW = snap.pue * (8 * (700 - gpu.idleW) + 1500);
  const budgetW = siteSplit(snap).facilityW + addW - snap.pue * 1500;
  await scheduler.updateSite({ capMw: budgetW / (1 - snap.reserveFraction) / 1e6 });
  if (paused) scheduler.stop();
  const job = await scheduler.submit(spec({ power: { minWatts: 700, maxWatts: 700 } }));
  return { ...site, job, minerHost };
}

describe('grid events', () => {
  it('plans against a grid event from its lead before it starts, but never before its notice', async () => {
    let now = 1_000_000;
    const { scheduler } = await setup(18, {}, { now: () => now });
    // Announced 30 s ahead; the lead with no running job is 60 s.
    await scheduler.updateSite({ addGridEvents: [{ startMs: now + 10 * 60_000, durationS: 600, capMw: 12, noticeS: 30 }] });
    now += 10 * 60_000 - 45_000; // 45 s before it: inside the lead, before the notice
    expect(scheduler.effectiveCapW()).toBe(18e6);
    now += 15_000; // 30 s before it: announced
    expect(scheduler.effectiveCapW()).toBe(12e6);
  });
});

describe('agent reports go through the serial queue', () => {
  it('applies a report only after the change in progress, never in the middle of it', async () => {
    const seen: string[] = [];
    let reportDuringSubmit: Promise<void> | undefined;
    const { scheduler } = await setup(18, {}, {
      beforePut: async () => {
        if (reportDuringSubmit) return;
        // The submit is storing its job: a report arrives now.
        reportDuringSubmit = scheduler.report('a', { timestampMs: 1, gpus: [], miners: [], attempts: [] });
        seen.push(`report applied at once: ${nodeA().report !== undefined}`);
        await new Promise((r) => setTimeout(r, 0));
        seen.push(`report applied after a turn of the event loop: ${nodeA().report !== undefined}`);
      },
    });
    const nodeA = () => scheduler.listNodes().find((n) => n.record.id === 'a')!;
    await scheduler.submit(spec({ gpus: 1 }));
    await reportDuringSubmit;
    seen.push(`report applied once the submit is stored: ${nodeA().report !== undefined}`);
    expect(seen).toEqual(['report applied at once: false', 'report applied after a turn of the event loop: false', 'report applied once the submit is stored: true']);
  });
});

describe('passes under a stream of changes', () => {
  it('start at least the pass gap apart, each placing what arrived meanwhile; a lone submit on a quiet site gets its pass at once', async () => {
    const gapMs = 500;
    const { scheduler } = await setup(18, {}, { passGapMs: gapMs });
    const starts: number[] = [];
    scheduler.changes.on('pass', (p: PassRecord) => starts.push(performance.now() - p.seconds * 1000));
    const ids: string[] = [];
    // Ten one-GPU submits paced 20 ms apart: a stream, not a burst taken in one turn.
    for (let i = 0; i < 10; i++) {
      ids.push((await scheduler.submit(spec({ gpus: 1 }))).id);
      await new Promise((r) => setTimeout(r, 20));
    }
    await until('all ten placed', () => ids.every((id) => scheduler.getJob(id).state === 'STARTING'), 20_000);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(gaps.every((g) => g >= gapMs - 5)).toBe(true);
    expect(starts.length).toBeLessThan(10);

    await until('the gap since the last pass to pass', () => performance.now() - starts.at(-1)! > gapMs, 20_000);
    const lone = await scheduler.submit(spec({ gpus: 1 }));
    const submittedAt = performance.now();
    await until('the lone job placed', () => scheduler.getJob(lone.id).state === 'STARTING', 20_000);
    expect(performance.now() - submittedAt).toBeLessThan(gapMs);
  });

  it('start later after a slow plan: one fifth of the time at most goes to planning, and a job still starts within 250 ms of the last pass', async () => {
    // A clock read while planning takes 30 ms: each plan is slow, its commit is not.
    const slowClock = () => {
      if (new Error().stack!.includes('planNow')) {
        const until = performance.now() + 30;
        while (performance.now() < until);
      }
      return Date.now();
    };
    const { scheduler } = await setup(18, {}, { passGapMs: 10, now: slowClock });
    const passes: Array<{ start: number; planMs: number }> = [];
    scheduler.changes.on('pass', (p: PassRecord) => passes.push({ start: performance.now() - p.seconds * 1000, planMs: p.planSeconds * 1000 }));
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push((await scheduler.submit(spec({ gpus: 1 }))).id);
      await new Promise((r) => setTimeout(r, 5));
    }
    await until('all six placed', () => ids.every((id) => scheduler.getJob(id).state === 'STARTING'), 20_000);
    expect(passes.length).toBeGreaterThan(1);
    for (let i = 1; i < passes.length; i++) {
      const gap = passes[i]!.start - passes[i - 1]!.start;
      expect(passes[i - 1]!.planMs).toBeGreaterThanOrEqual(30);
      expect(gap).toBeGreaterThanOrEqual(Math.min(250, 5 * passes[i - 1]!.planMs) - 5);
    }
  });
});
