import { describe, expect, it } from 'vitest';
import { buildJob, buildSite } from '../testing/index.js';
import { ThroughputCurve } from './limits.js';
import { plan } from './plan.js';
import { H200_TRAIN_CURVE, defaultPolicy } from './policy.js';
import { PowerProfile } from './power-profile.js';
import type { JobPower, QueuedJob, RunningJob, SiteSnapshot } from './snapshot.js';
import { budgetW, heldGpusW, siteSplit } from './watts.js';

const wattpack = defaultPolicy('wattpack');
const fixed = defaultPolicy('wattpack-static');
const memoryBound: JobPower = { p50W: 465, p99W: 470, heldFraction: 0, samples: 300 };

/** A running 8-GPU job on node `node` at `limitW`. */
function run(site: SiteSnapshot, id: string, node: string, limitW: number, extra: Partial<RunningJob> = {}): void {
  site.nodes.find((n) => n.id === node)!.gpus.forEach((g) => Object.assign(g, { jobId: id, limitW }));
  site.running.push({ id, team: 'default', priority: 100, startedAt: 0, expectedEndAt: 3600_000, gpus: 8, nodes: 1, powerLimitW: limitW, preemptible: true, ...extra });
}

/** Two 8-GPU nodes with room for one of them at 700 W, and a bit: the second waits for watts. */
function tightSite(): SiteSnapshot {
  const oneAt700 = 1.2 * (2 * 1000 + 16 * 110) + 1.2 * (8 * 590 + 1500);
  return buildSite({ nodes: 2, capW: oneAt700 + 1.2 * (8 * 310 + 1500), reserveFraction: 0 });
}

describe('right-sizing', () => {
  it('lowers a memory-bound job to its p99 draw plus a margin; the watts admit waiting work once confirmed', () => {
    const site = tightSite();
    run(site, 'copy', 'n0', 700, { power: memoryBound });
    const waiting = buildJob({ gpus: 8, minW: 600 });
    const p = plan(site, [waiting], wattpack);
    expect(p.powerChanges).toEqual([{ jobId: 'copy', powerLimitW: 517, why: 'right-size' }]);
    // Not yet confirmed by the GPUs: the watts still count, the waiting job still waits.
    expect(p.placements).toEqual([]);
    expect(p.waiting[0]!.code).toBe('power');

    const confirmed = tightSite();
    run(confirmed, 'copy', 'n0', 517, { power: memoryBound });
    const next = plan(confirmed, [waiting], wattpack);
    expect(next.powerChanges).toEqual([]);
    expect(next.placements.map((x) => x.jobId)).toEqual([waiting.id]);
    expect(next.allocatedW).toBeLessThanOrEqual(next.budgetW);
    // Static limits: no right-sizing (the job may still be shaved, at a cost in throughput).
    expect(plan(site, [waiting], fixed).powerChanges.filter((c) => c.why === 'right-size')).toEqual([]);
  });

  it('gives watts back first to a job held back at its limit', () => {
    const site = buildSite({ nodes: 2, capW: 1.2 * (16 * 500 + 5000) + 1.2 * 8 * 100, reserveFraction: 0 });
    run(site, 'held', 'n0', 500, { power: { p50W: 498, p99W: 500, heldFraction: 0.6, samples: 300 } });
    run(site, 'blind', 'n1', 500);
    const p = plan(site, [], wattpack);
    // 800 W of spare: all of it to the held-back job, none to the one without telemetry.
    expect(p.powerChanges).toEqual([{ jobId: 'held', powerLimitW: 600, why: 'held back' }]);
  });

  it('never raises or lowers a job whose telemetry stopped, and counts its full limit', () => {
    const site = buildSite({ nodes: 2 });
    run(site, 'silent', 'n0', 400, { power: memoryBound, telemetryLost: true });
    run(site, 'lowish', 'n1', 700, { power: { ...memoryBound, p99W: 300 }, telemetryLost: true });
    const p = plan(site, [], wattpack);
    expect(p.powerChanges).toEqual([]);
    expect(p.allocatedW).toBeCloseTo(siteSplit(site).facilityW);
  });

  it('keeps a fixed limit (minWatts = maxWatts) and never goes below a job minimum', () => {
    const site = buildSite({ nodes: 3 });
    run(site, 'fixed', 'n0', 600, { minW: 600, maxW: 600, power: memoryBound });
    run(site, 'floor', 'n1', 700, { minW: 350, power: { ...memoryBound, p99W: 120 } });
    run(site, 'idle', 'n2', 700, { power: { ...memoryBound, p99W: 90 } });
    const p = plan(site, [], wattpack);
    expect(p.powerChanges).toEqual([
      { jobId: 'floor', powerLimitW: 350, why: 'right-size' },
      // Not below the GPU's own minimum limit.
      { jobId: 'idle', powerLimitW: 200, why: 'right-size' },
    ]);
  });

  it('counts held GPUs at their jobs\' max (reserved) and at their limits (enforced): the difference is reclaimed', () => {
    const site = buildSite({ nodes: 3 });
    run(site, 'sized', 'n0', 517, { power: memoryBound });
    run(site, 'capped', 'n1', 500, { maxW: 600 });
    expect(heldGpusW(site)).toEqual({ reservedW: 1.2 * 8 * (700 + 600), enforcedW: 1.2 * 8 * (517 + 500), reclaimedW: 1.2 * 8 * (183 + 100) });
  });

  it('prices a limit by the job: a memory-bound job loses nothing at 500 W, a compute-bound one does', () => {
    const curve = new ThroughputCurve(H200_TRAIN_CURVE);
    expect(curve.forJob(520, 700, 470)).toBe(1);
    expect(curve.forJob(400, 700, 470)).toBeGreaterThan(curve.forJob(400, 700));
    expect(curve.forJob(500, 700)).toBeCloseTo(0.881);
  });
});

describe('the power profile', () => {
  it('excludes warm-up, and keeps p50, p99 and the time held back over a rolling window', () => {
    const profile = new PowerProfile(0, { warmupS: 60, window: 100, minSamples: 10 });
    for (let s = 0; s < 60; s++) profile.add({ atMs: s * 1000, drawW: 690, capped: true });
    expect(profile.summary()).toBeUndefined();
    for (let i = 0; i < 100; i++) profile.add({ atMs: 60_000 + i * 1000, drawW: 400 + i, capped: i >= 95 });
    expect(profile.summary()).toEqual({ p50W: 449, p99W: 498, heldFraction: 0.05, samples: 100 });
    // The window rolls: 100 newer samples at 300 W replace them all.
    for (let i = 0; i < 100; i++) profile.add({ atMs: 200_000 + i * 1000, drawW: 300, capped: false });
    expect(profile.summary()).toMatchObject({ p50W: 300, p99W: 300, heldFraction: 0 });
  });
});

/**
 * The hardware under a property test: what each GPU enforces lags what the scheduler
 * commands (a limit applies only when the node's agent is reachable, and then only with
 * some luck each step), nodes go silent, jobs draw what they like under their limits.
 */
describe('right-sizing, property', () => {
  it('enforced facility power never exceeds the cap minus reserve (random sites, jobs, draw traces, telemetry gaps)', () => {
    let rng = 7;
    const rand = () => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let checks = 0;
    for (let round = 0; round < 60; round++) {
      const site = buildSite({ nodes: 2 + Math.floor(rand() * 8), capW: 30_000 + rand() * 60_000, reserveFraction: rand() * 0.05, minersPerNode: Math.floor(rand() * 2) });
      // Per GPU: what the hardware enforces (the truth), separate from what was commanded.
      const enforced = new Map<string, number>();
      const commanded = new Map<string, number>();
      const demand = new Map<string, number>();
      const profiles = new Map<string, PowerProfile>();
      const key = (node: string, idx: number) => `${node}/${idx}`;
      const queue: QueuedJob[] = [];
      for (let step = 0; step < 40; step++) {
        site.now += 10_000;
        for (let k = Math.floor(rand() * 3); k > 0; k--) queue.push(buildJob({ gpus: 1 + Math.floor(rand() * 8), ...(rand() < 0.2 ? { minW: 300, maxW: 300 } : {}) }));
        const silent = new Set(site.nodes.filter(() => rand() < 0.15).map((n) => n.id));
        // Telemetry: each job's hottest GPU draws its demand, jittered, under what its GPUs enforce.
        for (const r of site.running) {
          const nodes = site.nodes.filter((n) => n.gpus.some((g) => g.jobId === r.id));
          r.telemetryLost = nodes.some((n) => silent.has(n.id));
          if (!r.telemetryLost) {
            const limit = Math.max(...nodes.flatMap((n) => n.gpus.filter((g) => g.jobId === r.id).map((g) => enforced.get(key(n.id, g.index))!)));
            const want = demand.get(r.id)! * (0.85 + rand() * 0.25);
            profiles.get(r.id)!.add({ atMs: site.now, drawW: Math.min(limit, want), capped: want >= limit });
          }
          const power = profiles.get(r.id)!.summary();
          if (power) r.power = power;
        }
        // The snapshot counts a job's GPUs at the highest limit any of them is commanded or enforces.
        const counted = new Map<string, number>();
        for (const n of site.nodes) for (const g of n.gpus) if (g.jobId) counted.set(g.jobId, Math.max(counted.get(g.jobId) ?? 0, commanded.get(key(n.id, g.index))!, enforced.get(key(n.id, g.index))!));
        for (const n of site.nodes) for (const g of n.gpus) if (g.jobId) g.limitW = counted.get(g.jobId)!;
        const p = plan(site, queue, wattpack);
        expect(p.allocatedW).toBeLessThanOrEqual(p.budgetW + 1e-6);
        for (const c of p.powerChanges) {
          const r = site.running.find((x) => x.id === c.jobId)!;
          r.powerLimitW = c.powerLimitW;
          for (const n of site.nodes) for (const g of n.gpus) if (g.jobId === c.jobId) commanded.set(key(n.id, g.index), c.powerLimitW);
        }
        for (const pl of p.placements) {
          const q = queue.splice(queue.findIndex((j) => j.id === pl.jobId), 1)[0]!;
          for (const pn of pl.nodes) {
            const node = site.nodes.find((n) => n.id === pn.nodeId)!;
            for (const idx of pn.gpuIndices) {
              node.gpus.find((g) => g.index === idx)!.jobId = pl.jobId;
              // The agent sets the limit before it starts the job.
              commanded.set(key(node.id, idx), pl.powerLimitW);
              enforced.set(key(node.id, idx), pl.powerLimitW);
            }
          }
          site.running.push({ id: q.id, team: q.team, priority: q.priority, startedAt: site.now, expectedEndAt: site.now + 600_000, gpus: q.gpus, nodes: q.nodes, powerLimitW: pl.powerLimitW, preemptible: false, ...(q.minW !== undefined ? { minW: q.minW, maxW: q.maxW! } : {}) });
          demand.set(q.id, 100 + rand() * 620);
          profiles.set(q.id, new PowerProfile(site.now, { warmupS: 20, window: 30, minSamples: 3 }));
        }
        for (const n of site.nodes) {
          for (const m of n.miners) {
            if (p.curtail.includes(m.id)) m.curtailed = true;
            if (p.resume.includes(m.id)) m.curtailed = false;
          }
          // Limits apply on reachable nodes, now and then late.
          if (silent.has(n.id)) continue;
          for (const g of n.gpus) if (g.jobId && rand() < 0.6) enforced.set(key(n.id, g.index), commanded.get(key(n.id, g.index))!);
        }
        // Some jobs end.
        for (const r of site.running.filter(() => rand() < 0.05)) {
          site.running.splice(site.running.indexOf(r), 1);
          for (const n of site.nodes) for (const g of n.gpus) if (g.jobId === r.id) (delete g.jobId, delete g.limitW);
        }
        // The truth: every held GPU at what it enforces.
        const truth = structuredClone(site);
        for (const n of truth.nodes) for (const g of n.gpus) if (g.jobId) g.limitW = enforced.get(key(n.id, g.index))!;
        expect(siteSplit(truth).facilityW).toBeLessThanOrEqual(budgetW(site) + 1e-6);
        checks++;
      }
    }
    expect(checks).toBe(60 * 40);
  });
});
