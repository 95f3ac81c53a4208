import { describe, expect, it } from 'vitest';
import { buildGpu, buildJob, buildSite } from '../testing/index.js';
import { plan } from './plan.js';
import { POLICY_NAMES, defaultPolicy, type Policy } from './policy.js';
import type { Plan, QueuedJob, SiteSnapshot } from './snapshot.js';
import { WorkingSite } from './working-site.js';

/**
 * The working site is kept between passes over the same node views and brought up to
 * date from what changed (site-base.ts). These tests drive one site through randomized
 * passes, changed in place as the simulator changes it, and check after each pass that
 * the kept working site, and the plan, are what a build from nothing gives.
 */

const rngOf = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

/** A site of mixed models and node sizes, with miners, some nodes in other racks. */
function mixedSite(rand: () => number): SiteSnapshot {
  const site = buildSite({ nodes: 24, racks: 4, capW: 0.35e6, minersPerNode: 1 });
  site.nodes.forEach((n, i) => {
    if (i % 3 === 1) n.gpus = Array.from({ length: 4 }, (_, g) => buildGpu(g, 'H200', { maxW: 600 }));
    if (i % 5 === 2) n.gpus.push(buildGpu(8, 'A100', { minW: 100, maxW: 400, idleW: 50 }));
    for (const m of n.miners) Object.assign(m, { hashrateThs: 100 + Math.floor(rand() * 60), curtailed: rand() < 0.3 });
  });
  return site;
}

/** The driver's part, in place: placed jobs start, limits move, miners follow the plan, stopping jobs are marked. */
function applyInPlace(site: SiteSnapshot, p: Plan, queue: QueuedJob[]): QueuedJob[] {
  const byId = new Map(site.nodes.map((n) => [n.id, n]));
  for (const c of p.powerChanges) {
    for (const n of site.nodes) for (const g of n.gpus) if (g.jobId === c.jobId) g.limitW = c.powerLimitW;
    const r = site.running.find((x) => x.id === c.jobId);
    if (r) r.powerLimitW = c.powerLimitW;
  }
  for (const x of p.preemptions) {
    const r = site.running.find((y) => y.id === x.jobId);
    if (r) r.stopping = true;
  }
  for (const n of site.nodes) {
    for (const m of n.miners) {
      if (p.curtail.includes(m.id)) m.curtailed = true;
      if (p.resume.includes(m.id)) m.curtailed = false;
    }
  }
  const placed = new Set<string>();
  for (const pl of p.placements) {
    const q = queue.find((j) => j.id === pl.jobId)!;
    for (const pn of pl.nodes) {
      for (const idx of pn.gpuIndices) Object.assign(byId.get(pn.nodeId)!.gpus.find((g) => g.index === idx)!, { jobId: pl.jobId, limitW: pl.powerLimitW });
    }
    site.running.push({ id: q.id, team: q.team, priority: q.priority, startedAt: site.now, expectedEndAt: site.now + (q.maxRuntimeS ?? 3600) * 1000, gpus: q.gpus, nodes: q.nodes, powerLimitW: pl.powerLimitW, preemptible: q.preemptible ?? true });
    placed.add(q.id);
  }
  return queue.filter((j) => !placed.has(j.id));
}

/** The driver's part of power saving, in place: servers go off, boot (and come up at random), get marked down; idle timers run. */
function powerInPlace(site: SiteSnapshot, p: Plan, rand: () => number): void {
  for (const n of site.nodes) {
    if (p.nodePower.suspend.includes(n.id)) n.power = 'off';
    else if (p.nodePower.resume.includes(n.id)) Object.assign(n, { power: 'resuming', resumedAtMs: site.now });
    else if (p.nodePower.down.includes(n.id)) n.schedulable = false;
    else if (n.power === 'resuming' && rand() < 0.5) n.power = 'on';
    const busy = n.gpus.some((g) => g.jobId !== undefined);
    if (busy || n.power !== undefined && n.power !== 'on') delete n.idleSinceMs;
    else n.idleSinceMs ??= site.now;
  }
}

/** Between passes: jobs end (stopping ones first), telemetry arrives, nodes drain and return, the cap moves. */
function churn(site: SiteSnapshot, rand: () => number): void {
  for (let i = site.running.length - 1; i >= 0; i--) {
    const r = site.running[i]!;
    if (!(r.stopping || rand() < 0.15)) continue;
    for (const n of site.nodes) for (const g of n.gpus) if (g.jobId === r.id) Object.assign(g, { jobId: undefined, limitW: undefined });
    site.running[i] = site.running[site.running.length - 1]!; // swap-remove, as the simulator does
    site.running.pop();
  }
  for (const r of site.running) {
    if (rand() < 0.3) r.power = { p50W: 250 + rand() * 200, p99W: 300 + Math.floor(rand() * 300), heldFraction: rand() < 0.3 ? 0.9 : 0, samples: 10 };
    if (rand() < 0.05) r.telemetryLost = !r.telemetryLost;
  }
  if (rand() < 0.1) {
    const n = site.nodes[Math.floor(rand() * site.nodes.length)]!;
    n.schedulable = !n.schedulable;
  }
  if (rand() < 0.1) site.capW = (0.2 + rand() * 0.3) * 1e6;
  site.now += 30_000;
}

function arrivals(rand: () => number, n: number): QueuedJob[] {
  return Array.from({ length: n }, () => {
    const r = rand();
    const [gpus, nodes] = r < 0.6 ? [1, 1] : r < 0.75 ? [2, 1] : r < 0.85 ? [4, 1] : r < 0.95 ? [8, 1] : [4, 2];
    const models = rand() < 0.2 ? ['H200'] : rand() < 0.1 ? ['A100', 'H100'] : [];
    return buildJob({ gpus, nodes, gpuModels: models, team: `t${Math.floor(rand() * 3)}`, priority: rand() < 0.15 ? 200 : 100, preemptible: rand() < 0.7, maxRuntimeS: 600 + Math.floor(rand() * 7200), ...(rand() < 0.2 ? { minW: 300 } : {}) });
  });
}

/** Everything a phase can ask of a working site, for every node, model and job. */
function observe(work: WorkingSite, site: SiteSnapshot) {
  const models = work.models;
  return {
    allocatedW: work.allocatedW,
    budgetW: work.budgetW,
    models,
    miners: work.minersByValue(),
    candidates: models.flatMap((m) => [1, 2, 4, 8].map((g) => [work.candidates(m, g, Number.MAX_SAFE_INTEGER), work.capableNodes(m, g)])),
    nodes: site.nodes.map((_, pos) => [work.rackOf(pos), ...models.map((m) => work.peek(pos, m, 8))]),
    jobs: site.running.map((r) => [work.boundsOf(r.id), work.nodesOf(r.id), work.limitOf(r.id)]),
  };
}

/**
 * Forty seeded passes over one site changed in place: after each, the kept plan and
 * working site are what a build from nothing gives. `setUp` and `after` add the driver's
 * other parts (power saving). The plans made.
 */
function checkPasses(seed: number, policy: Policy, setUp?: (site: SiteSnapshot) => void, after?: (site: SiteSnapshot, p: Plan, rand: () => number) => void): Plan[] {
  const rand = rngOf(seed);
  const site = mixedSite(rand);
  setUp?.(site);
  const plans: Plan[] = [];
  let queue: QueuedJob[] = [];
  for (let pass = 0; pass < 40; pass++) {
    queue = [...queue, ...arrivals(rand, Math.floor(rand() * 8))].sort((a, b) => b.priority - a.priority || a.submittedAt - b.submittedAt);
    const fresh = plan(structuredClone(site), queue, policy);
    const kept = plan(site, queue, policy);
    expect(kept, `seed ${seed}, pass ${pass}`).toEqual(fresh);
    expect(observe(WorkingSite.of(site), site), `seed ${seed}, pass ${pass}`).toEqual(observe(WorkingSite.fresh(site), site));
    queue = applyInPlace(site, kept, queue);
    after?.(site, kept, rand);
    churn(site, rand);
    plans.push(kept);
  }
  return plans;
}

describe('the kept working site', () => {
  it.each(POLICY_NAMES)('plans as a build from nothing does, pass after pass (%s; seeded random passes)', (name) => {
    for (const seed of [1, 7, 99]) checkPasses(seed, defaultPolicy(name, { teams: { t0: { gpus: 40 } } }));
  });

  it('plans as a build from nothing does with power saving: servers off, booting and back on (seeded random passes)', () => {
    const policy = defaultPolicy('wattpack', { powerSaving: { suspendAfterS: 60, resumeTimeoutS: 120, minIdleNodes: 1, excludeNodes: new Set(['n0']) } });
    const plans = [3, 17].flatMap((seed) =>
      checkPasses(seed, policy, (site) => site.nodes.forEach((n) => Object.assign(n, { standbyW: 40, idleSinceMs: 0 })), powerInPlace),
    );
    expect(plans.some((p) => p.nodePower.suspend.length > 0)).toBe(true);
    expect(plans.some((p) => p.nodePower.resume.length > 0)).toBe(true);
  });

  it('leaves the kept site as it was after a pass and its what-ifs (copy-on-write)', () => {
    const rand = rngOf(5);
    const site = mixedSite(rand);
    const queue = arrivals(rand, 60);
    const before = observe(WorkingSite.of(site), site);
    plan(site, queue, defaultPolicy('wattpack'));
    const work = WorkingSite.of(site);
    const what = work.clone();
    for (const [i, n] of site.nodes.entries()) if (n.schedulable) what.take(`x${i}`, i, n.gpus[0]!.model, 1, 500);
    expect(observe(work, site)).toEqual(before);
    expect(observe(WorkingSite.of(site), site)).toEqual(before);
  });

  it('builds anew when a GPU view is replaced (new hardware), and plans as a fresh build', () => {
    const rand = rngOf(11);
    const site = mixedSite(rand);
    const queue = arrivals(rand, 30);
    plan(site, queue, defaultPolicy('backfill'));
    site.nodes[3]!.gpus[0] = buildGpu(0, 'H200', { maxW: 500 });
    expect(plan(site, queue, defaultPolicy('backfill'))).toEqual(plan(structuredClone(site), queue, defaultPolicy('backfill')));
    expect(observe(WorkingSite.of(site), site)).toEqual(observe(WorkingSite.fresh(site), site));
  });
});
