import { describe, expect, it } from 'vitest';
import { compareJobs, defaultPolicy, siteSplit, type Plan, type PolicyName, type QueuedJob, type SiteSnapshot } from '@wattpack/scheduler/core';
import { Engine, type EngineOptions, type Planner } from './engine.js';
import { tinySite, tinyTrace } from './fixtures.js';
import type { SiteFile } from './site-file.js';
import type { Trace } from './traces/types.js';
import { relativeSpeed, SHAPES } from './workload.js';

const BUSY_NODE_W = 1.2 * (8 * 700 + 2500); // 9,720 W
const IDLE_NODE_W = 1.2 * (8 * 110 + 1000); // 2,256 W

function simulate(site: SiteFile, trace: Trace, policy: PolicyName = 'fifo', extra: Partial<EngineOptions> = {}) {
  return new Engine({ site, trace, policy: defaultPolicy(policy), recordJobs: true, ...extra }).run();
}

// A scripted plan claims no budget of its own: the driver checks it against the site's.
const empty = (): Plan => ({ placements: [], waiting: [], preemptions: [], powerChanges: [], curtail: [], resume: [], nodePower: { suspend: [], resume: [], down: [] }, shed: false, allocatedW: 0, budgetW: Infinity });

/** A plan that starts `jobId` on all 8 GPUs of node `nodeId` at `limitW`. */
const start = (jobId: string, limitW = 700, nodeId = 'n-0000'): Plan => ({
  ...empty(),
  placements: [{ jobId, nodes: [{ nodeId, gpuIndices: [0, 1, 2, 3, 4, 5, 6, 7], gpuModel: 'H100' }], powerLimitW: limitW, facilityW: 0 }],
});

/** A planner that replays a script: at time t (s) it returns script[t]; any other pass plans nothing. */
function scripted(script: Record<number, (site: SiteSnapshot, queue: readonly QueuedJob[]) => Plan>): Planner & { calls: number[] } {
  const calls: number[] = [];
  const planner = (site: SiteSnapshot, queue: readonly QueuedJob[]) => {
    const t = site.now / 1000;
    calls.push(t);
    return script[t]?.(site, queue) ?? empty();
  };
  return Object.assign(planner, { calls });
}

describe('engine with the core', () => {
  const twoJobs = tinyTrace([
    { submitS: 0, durationS: 100 },
    { submitS: 10, durationS: 50 },
  ]);

  it('two 8-GPU jobs on one 8-GPU node under fifo: the second waits for the first, then for the next cycle', () => {
    const s = simulate(tinySite(), twoJobs, 'fifo', { cycleS: 30 });
    // A: placed at 0, ends 100. B: arrives at 10, waits; A ends at 100; next pass at 120; ends 170.
    expect(s.jobs!.map((j) => [j.startS, j.endS, j.limitW])).toEqual([
      [0, 100, 700],
      [120, 170, 700],
    ]);
    expect([...s.jctS]).toEqual([100, 160]);
    expect([...s.waitS]).toEqual([0, 110]);
    expect(s.endS).toBe(170);
    expect(s.finished).toBe(2);
    expect(s.busyGpuS).toBe(8 * 150);
    expect(s.usefulGpuS).toBe(8 * 150);
    expect(s.energyJ).toBeCloseTo(BUSY_NODE_W * 150 + IDLE_NODE_W * 20, 6);
    // B waits from the pass at 30 that left it waiting until the pass at 120 that starts it.
    expect(s.waitingS).toBe(90);
    expect(s.capUseWhileWaitingS / s.waitingS).toBeCloseTo((BUSY_NODE_W * 70 + IDLE_NODE_W * 20) / 90 / 1e6, 12);
    expect(s.capViolations).toBe(0);
    expect(s.peakFacilityW).toBeCloseTo(BUSY_NODE_W, 9);
  });

  it('with a 1 s cycle the second job starts as the first ends', () => {
    const s = simulate(tinySite(), twoJobs, 'backfill', { cycleS: 1 });
    expect(s.jobs!.map((j) => [j.startS, j.endS])).toEqual([
      [0, 100],
      [100, 150],
    ]);
    expect([...s.jctS]).toEqual([100, 140]);
  });

  it('a power-limited job finishes later by exactly 1 / relative throughput', () => {
    const site = tinySite({ workloadMix: { gemm: 1 }, jobDefaults: { maxW: 500 } });
    const s = simulate(site, tinyTrace([{ durationS: 1000 }]), 'fifo');
    const job = s.jobs![0]!;
    expect(job.limitW).toBe(500);
    expect(job.shape).toBe('gemm');
    // The H200 GEMM curve: 0.837 at 500 W.
    expect(job.endS).toBeCloseTo(1000 / 0.837, 9);
    expect(s.usefulGpuS).toBeCloseTo(8 * 1000, 6);
    expect(s.busyGpuS).toBeCloseTo((8 * 1000) / 0.837, 6);
    expect(s.energyJ).toBeCloseTo(1.2 * (8 * 500 + 2500) * (1000 / 0.837), 3);
  });

  it('counts the cap excursion of a grid event that the site cannot meet', () => {
    // An idle node draws 2,256 W: a 2 kW cap cannot be met even with every job stopped.
    const site = tinySite({ site: { capMw: 0.015, pue: 1.2, reserveFraction: 0.02 }, gridEvents: [{ atS: 100, durationS: 200, capMw: 0.002 }] });
    const s = simulate(site, tinyTrace([{ durationS: 1000 }]), 'fifo');
    expect(s.capViolations).toBe(1);
    expect(s.capViolationS).toBe(200);
    expect(s.finished).toBe(1);
  });

  it('stops at --until and keeps the unfinished jobs out of the JCTs', () => {
    const s = simulate(tinySite(), twoJobs, 'fifo', { untilS: 150 });
    expect(s.stoppedAtUntil).toBe(true);
    expect(s.endS).toBe(150);
    expect([...s.jctS]).toEqual([100]);
    expect(s.unfinished).toBe(1);
    expect(s.jobs![1]!.endS).toBeUndefined();
  });

  it('compresses arrivals by the load scale, from the first submit', () => {
    const trace = tinyTrace([{ submitS: 1000 }, { submitS: 1100 }, { submitS: 1400 }]);
    const s = simulate(tinySite({}, 3), trace, 'fifo', { loadScale: 2 });
    expect(s.jobs!.map((j) => j.submitS)).toEqual([0, 50, 200]);
  });

  it('is deterministic, and draws workload shapes from the mix by job id', () => {
    const trace = tinyTrace(Array.from({ length: 300 }, (_, i) => ({ submitS: i * 7, durationS: 50 + (i % 13) * 40, gpus: 1 + (i % 8) })));
    const site = tinySite({ workloadMix: { gemm: 0.2, train: 0.6, copy: 0.2 }, site: { capMw: 0.03, pue: 1.2, reserveFraction: 0.02 } }, 2);
    const a = simulate(site, trace, 'wattpack');
    const b = simulate(site, trace, 'wattpack');
    expect(a.jobs).toEqual(b.jobs);
    expect(a.energyJ).toBe(b.energyJ);
    const shares = SHAPES.map((s) => a.jobs!.filter((j) => j.shape === s).length / 300);
    expect(shares[0]).toBeGreaterThan(0.12);
    expect(shares[1]).toBeGreaterThan(0.5);
    expect(shares[2]).toBeGreaterThan(0.12);
  });
});

describe('right-sizing in the simulator', () => {
  it('lowers limits to what jobs draw after warm-up, and the watts admit a job static limits keep waiting', () => {
    // Two nodes; budget 12.5 kW: one busy node at 400 W per GPU (6.8 kW) leaves too little
    // for a second at the 400 W floor. Jobs draw 30 % of the training curve's full draw (194 W).
    const site = tinySite({ site: { capMw: 12_500 / 0.98 / 1e6, pue: 1.2, reserveFraction: 0.02 }, drawLevel: 0.3 }, 2);
    const trace = tinyTrace([{ durationS: 3600 }, { submitS: 10, durationS: 3600 }]);
    const fixed = simulate(site, trace, 'wattpack-static');
    const sized = simulate(site, trace, 'wattpack');
    expect(fixed.jobs!.map((j) => j.startS)).toEqual([0, 3600]);
    // The first job's limit comes down at the first pass after its 120 s warm-up; then the second starts.
    expect(sized.jobs![0]!.limitW).toBe(Math.ceil(0.3 * 647.9 + 25));
    expect(sized.jobs![1]!.startS).toBeLessThanOrEqual(210);
    expect(sized.jobsAdmittedByReclaim).toBe(1);
    expect(sized.reclaimedWs).toBeGreaterThan(0);
    expect(fixed.reclaimedWs).toBe(0);
    for (const s of [fixed, sized]) expect(s.capViolations).toBe(0);
    // The jobs draw 194 W whatever their limit: neither run loses throughput to it.
    expect(sized.usefulGpuS).toBeCloseTo(fixed.usefulGpuS, 6);
    expect(sized.drawnJ).toBeLessThan(sized.energyJ);
  });
});

describe('engine applying every field of a plan', () => {
  const every100 = { cycleS: 100, skipQuietCycles: false } as const;

  it('a power change stretches the rest of the job by the new relative throughput', () => {
    const planner = scripted({ 0: () => start('j000000'), 300: () => ({ ...empty(), powerChanges: [{ jobId: 'j000000', powerLimitW: 400 }] }) });
    const site = tinySite({ workloadMix: { gemm: 1 } });
    const s = simulate(site, tinyTrace([{ durationS: 1000 }]), 'fifo', { ...every100, planner });
    // 300 s at full speed, then 700 s of work at 0.667 (GEMM at 400 W).
    expect(s.jobs![0]!.endS).toBeCloseTo(300 + 700 / 0.667, 9);
    expect(s.jobs![0]!.limitW).toBe(400);
    expect(s.powerChanges).toBe(1);
    expect(s.usefulGpuS).toBeCloseTo(8000, 6);
    expect(s.energyJ).toBeCloseTo(BUSY_NODE_W * 300 + 1.2 * (8 * 400 + 2500) * (700 / 0.667), 3);
  });

  it('a preempted job keeps the work of its last checkpoint and goes back to the queue at its submit time', () => {
    const planner = scripted({
      0: () => start('j000000'),
      1500: () => ({ ...empty(), preemptions: [{ jobId: 'j000000', reason: 'test' }] }),
      1600: (_, queue) => {
        expect(queue.map((q) => [q.id, q.submittedAt])).toEqual([['j000000', 0]]);
        return start('j000000');
      },
    });
    const s = simulate(tinySite(), tinyTrace([{ durationS: 5000 }]), 'fifo', { ...every100, checkpointS: 600, planner });
    // Checkpoints at 600 and 1200 s of run time: 1,200 s kept, 300 s lost; 3,800 s left from 1,600.
    const job = s.jobs![0]!;
    expect([job.startS, job.endS, job.preemptions]).toEqual([0, 5400, 1]);
    expect([...s.jctS]).toEqual([5400]);
    expect([...s.waitS]).toEqual([100]);
    expect(s.lostGpuS).toBe(8 * 300);
    expect(s.usefulGpuS).toBe(8 * 5000);
    expect([s.placements, s.preemptions]).toEqual([2, 1]);
  });

  it('a checkpoint taken after a power change keeps the work done at the lower speed', () => {
    const planner = scripted({
      0: () => start('j000000'),
      300: () => ({ ...empty(), powerChanges: [{ jobId: 'j000000', powerLimitW: 400 }] }),
      700: () => ({ ...empty(), preemptions: [{ jobId: 'j000000', reason: 'test' }] }),
      800: () => start('j000000'),
    });
    const site = tinySite({ workloadMix: { gemm: 1 } });
    const s = simulate(site, tinyTrace([{ durationS: 5000 }]), 'fifo', { ...every100, checkpointS: 600, planner });
    const kept = 300 + 300 * 0.667; // the checkpoint at 600 s
    expect(s.lostGpuS).toBeCloseTo(8 * 100 * 0.667, 9);
    expect(s.jobs![0]!.endS).toBeCloseTo(800 + (5000 - kept), 9);
  });

  it('a preempted job holds its GPUs through its grace, flagged stopping', () => {
    let seen: SiteSnapshot['running'] = [];
    const planner = scripted({
      0: () => start('j000000'),
      1500: () => ({ ...empty(), preemptions: [{ jobId: 'j000000', reason: 'test' }] }),
      1600: (site) => {
        seen = site.running.map((r) => ({ ...r }));
        return empty();
      },
      1700: () => start('j000000'),
    });
    const s = simulate(tinySite(), tinyTrace([{ durationS: 5000 }]), 'fifo', { ...every100, preemptGraceS: 150, planner });
    expect(seen).toMatchObject([{ id: 'j000000', stopping: true }]);
    // It ran (and drew) until 1,650; its work since the checkpoint at 1,200 is lost.
    expect(s.lostGpuS).toBe(8 * 450);
    expect(s.busyGpuS).toBe(8 * (1650 + 3800));
    expect(s.jobs![0]!.endS).toBe(1700 + 3800);
  });

  it('curtails and wakes miners: their watts and their hashes', () => {
    const site = tinySite({ miners: { count: 2, model: 'S19 XP', hashrateThs: 100, powerW: 3000, hashpriceUsdPerThDay: 0.05, perContainer: 1 } });
    const planner = scripted({ 0: () => ({ ...start('j000000'), curtail: ['miner-0000'] }), 1000: () => ({ ...empty(), resume: ['miner-0000'] }) });
    const s = simulate(site, tinyTrace([{ durationS: 2000 }]), 'fifo', { ...every100, planner });
    expect(s.minedThS).toBe(100 * 2000 + 100 * 1000);
    expect(s.energyJ).toBeCloseTo(BUSY_NODE_W * 2000 + 1.2 * 3000 * (2000 + 1000), 3);
    const points = s.series.points();
    expect(points[0]!.minersMw).toBeCloseTo(0.0036, 9);
    expect(points.at(-1)!.minersMw).toBeCloseTo(0.0072, 9);
    expect(points[0]!.gpuServersMw).toBeCloseTo(BUSY_NODE_W / 1e6, 9);
  });

  it('starts a job that needs the watts of a miner the same plan curtails only at the next pass, once it is curtailed', () => {
    // 15 kW: an idle node and two 3.6 kW miners (9.46 kW) leave too little for 7.46 kW more; one miner less, enough.
    const site = tinySite({ site: { capMw: 0.015, pue: 1.2, reserveFraction: 0 }, miners: { count: 2, model: 'S19 XP', hashrateThs: 100, powerW: 3000, hashpriceUsdPerThDay: 0.05, perContainer: 1 } });
    const planner = scripted({ 0: () => ({ ...start('j000000'), curtail: ['miner-0000'] }), 100: () => start('j000000') });
    const s = simulate(site, tinyTrace([{ durationS: 500 }]), 'fifo', { ...every100, planner });
    expect(s.jobs![0]!.startS).toBe(100);
    expect(s.capViolations).toBe(0);
  });

  it('counts each excursion over the cap once, and its length', () => {
    // Two grid events at 5 kW while a busy node (9.72 kW) runs: the scripted planner sheds nothing.
    const gridEvents = [{ atS: 1000, durationS: 50, capMw: 0.005 }, { atS: 1300, durationS: 100, capMw: 0.005 }];
    const planner = scripted({ 0: () => start('j000000') });
    const s = simulate(tinySite({ gridEvents }), tinyTrace([{ durationS: 2000 }]), 'fifo', { ...every100, planner });
    expect(s.capViolations).toBe(2);
    expect(s.capViolationS).toBe(150);
  });

  it('holds back a placement that does not fit under the cap as it stands, and places it once it does', () => {
    // Cap 12 kW: one busy node (9.72 kW) and one idle (2.26 kW) fit; two busy nodes do not.
    const site = tinySite({ site: { capMw: 0.012, pue: 1.2, reserveFraction: 0 } }, 2);
    const planner = scripted({ 0: () => start('j000000'), 100: () => start('j000001', 700, 'n-0001'), 200: () => start('j000001', 700, 'n-0001') });
    const s = simulate(site, tinyTrace([{ durationS: 150 }, { durationS: 100 }]), 'fifo', { ...every100, planner });
    expect(s.capViolations).toBe(0);
    expect(s.jobs!.map((j) => j.startS)).toEqual([0, 200]);
  });

  it('refuses a plan that places a job on GPUs another job holds', () => {
    const planner = scripted({ 0: () => start('j000000'), 100: () => start('j000001') });
    expect(() => simulate(tinySite(), tinyTrace([{ durationS: 500 }, { durationS: 500 }]), 'fifo', { ...every100, planner })).toThrow(/plan at t=100s: j000001 requeued: GPU n-0000\/0 was taken/);
  });

  it('hands the core a queue in its own order, jobs larger than a node as gangs, and declared runtimes', () => {
    let queue: readonly QueuedJob[] = [];
    const planner = scripted({
      0: (_, q) => {
        queue = [...q];
        return empty();
      },
    });
    const trace = tinyTrace([
      { submitS: 5, gpus: 16, durationS: 100 },
      { submitS: 0, gpus: 12, durationS: 1001 },
      { submitS: 5, gpus: 3, durationS: 10 },
    ]);
    simulate(tinySite({}, 4), trace, 'fifo', { cycleS: 10, planner });
    expect(queue.map((q) => [q.submittedAt, q.gpus, q.nodes, q.maxRuntimeS])).toEqual([[0, 6, 2, 1502]]);
    // The pass at 10 s sees all three, in order.
    const at10: QueuedJob[] = [];
    const p2 = scripted({ 10: (_, q) => (at10.push(...q), empty()) });
    simulate(tinySite({}, 4), trace, 'fifo', { cycleS: 10, planner: p2 });
    expect(at10.map((q) => [q.id, q.gpus, q.nodes])).toEqual([
      ['j000000', 6, 2],
      ['j000001', 8, 2],
      ['j000002', 3, 1],
    ]);
    for (let i = 1; i < at10.length; i++) expect(compareJobs(at10[i - 1]!, at10[i]!)).toBeLessThan(0);
  });

  it('bounds the queue a pass sees, keeping every team in view', () => {
    let seen: readonly QueuedJob[] = [];
    const planner = scripted({ 0: (_, q) => ((seen = [...q]), empty()) });
    const trace = tinyTrace([...Array.from({ length: 40 }, () => ({ team: 'big' })), ...Array.from({ length: 5 }, () => ({ team: 'small' }))]);
    simulate(tinySite(), trace, 'fifo', { planner, queueDepth: 20, teamDepth: 3 });
    expect(seen).toHaveLength(23);
    expect(seen.filter((q) => q.team === 'small')).toHaveLength(3);
  });

  it('builds the snapshot the core counts watts from: now, cap, running jobs with their expected ends', () => {
    let snap: { now: number; capW: number; facilityW: number; running: SiteSnapshot['running'] } | undefined;
    const site = tinySite({ gridEvents: [{ atS: 200, durationS: 100, capMw: 0.5 }] });
    const planner = scripted({
      0: () => start('j000000', 600),
      200: (s) => {
        snap = { now: s.now, capW: s.capW, facilityW: siteSplit(s).facilityW, running: s.running.map((r) => ({ ...r })) };
        return empty();
      },
    });
    simulate(site, tinyTrace([{ durationS: 1000, team: 't' }]), 'fifo', { cycleS: 100, planner });
    expect(snap).toEqual({
      now: 200_000,
      capW: 0.5e6,
      facilityW: 1.2 * (8 * 600 + 2500),
      running: [{ id: 'j000000', team: 't', priority: 100, startedAt: 0, expectedEndAt: 1_500_000, gpus: 8, nodes: 1, powerLimitW: 600, preemptible: true }],
    });
  });
});

describe('relative speed', () => {
  it('is the H200 curve for a job drawing what the shape draws, compressed onto other demands', () => {
    // GEMM draws 676.9 W unconstrained on the H200: its own curve.
    expect(relativeSpeed(0, 700, 676.9)).toBe(1);
    expect(relativeSpeed(0, 500, 676.9)).toBeCloseTo(0.837, 12);
    expect(relativeSpeed(1, 450, 647.9)).toBeCloseTo((0.785 + 0.881) / 2, 12);
    // A job drawing half of that loses nothing at 350 W, and at 200 W is GEMM at 400 W.
    expect(relativeSpeed(0, 350, 676.9 / 2)).toBe(1);
    expect(relativeSpeed(0, 200, 676.9 / 2)).toBeCloseTo(0.667, 12);
  });
});
