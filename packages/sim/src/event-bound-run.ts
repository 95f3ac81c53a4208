import { h200PowerCurves } from '@wattpack/common';
import { plan as corePlan, policyFromSite, siteSplit } from '@wattpack/scheduler/core';
import type { NodeView, Plan, SiteSnapshot } from '@wattpack/scheduler/core';
import { Engine } from './engine.js';
import { eventBound, type BoundInput, type BoundJob, type BoundNode, type LimitOption } from './event-bound.js';
import type { JobTable } from './job-table.js';
import { buildHardware, type SiteFile } from './site-file.js';
import type { Trace } from './traces/types.js';
import { demandW, pickDrawLevel, pickShape, relativeSpeed, SHAPES } from './workload.js';

export interface EventBoundOptions {
  site: SiteFile;
  trace: Trace;
  loadScale: number;
  /** Slices of the event for the bound over it (s). */
  sliceS?: number;
  /** Move the event to start here (s from the first submit) instead of the site file's time. */
  atS?: number;
  /** Cut this % of the drawn watts instead of the site file's cut. */
  reducePct?: number;
}

/**
 * Replays the trace under wattpack up to the first pass that plans against the site's
 * first grid event's cap (its planning lead before the start; the same state for every
 * scheduler up to the announcement, and wattpack's between it and then), takes the
 * running jobs and servers there before that pass sheds anything, and bounds the event's
 * weighted job performance (event-bound.ts): at its start, and over its three hours with
 * each job leaving when it would finish unslowed. The replay goes on to the event's end:
 * wattpack's own figures for it come with the bound.
 */
export function boundAtEvent(o: EventBoundOptions): Record<string, unknown> {
  const { site, event, state, shedPass, shedPassVariants, wattpack } = replayToEvent(o);
  const { snap, t, jobs } = state;
  const start = event.atS;
  const end = start + event.durationS;
  const base = { pue: snap.pue, targetW: snap.capW, nodes: snap.nodes.filter((n) => n.gpus.length > 0).map(boundNode) };
  const variant = (input: Omit<BoundInput, 'pue' | 'targetW' | 'nodes'> & { targetW?: number }) => {
    const { facilityW, priceWPerW: _price, ...r } = eventBound({ ...base, ...input });
    return { ...r, upper: round4(r.upper), feasible: round4(r.feasible), facilityMw: round4(facilityW / 1e6) };
  };
  const atStart = (keepFlex0: boolean, packing: 'placed' | 'free-moves') => variant({ jobs: jobs.map((j) => j.job), keepFlex0, packing });
  const sliceS = o.sliceS ?? 900;
  const overEvent = (keepFlex0: boolean, packing: 'placed' | 'free-moves') => boundOverEvent(base, jobs, { start, end, sliceS, keepFlex0, packing });
  const cutSweep = (baselineW: number) =>
    Object.fromEntries(
      [5, 10, 15, 20, 25].map((pct) => {
        const r = variant({ jobs: jobs.map((j) => j.job), keepFlex0: true, targetW: baselineW * (1 - pct / 100) });
        return [`-${pct}%`, { targetMw: round4((baselineW * (1 - pct / 100)) / 1e6), upper: r.upper, feasible: r.feasible, byFlex: r.byFlex }];
      }),
    );
  return {
    site: o.site.name,
    loadScale: o.loadScale,
    capturedAtS: t,
    eventStartS: start,
    eventEndS: end,
    ...describeState(snap, jobs),
    wattpack,
    wattpackShedPass: shedPass,
    wattpackShedPassVariants: shedPassVariants,
    boundAtStart: {
      placed: atStart(false, 'placed'),
      placedFlex0Full: atStart(true, 'placed'),
      freeMoves: atStart(false, 'free-moves'),
      freeMovesFlex0Full: atStart(true, 'free-moves'),
      placedFlex0FullUnderBudget: variant({ jobs: jobs.map((j) => j.job), keepFlex0: true, targetW: snap.capW * (1 - snap.reserveFraction) }),
      // The target held on what GPUs draw (min(limit, demand)) instead of their limits: the meter's count.
      placedAtDraw: variant({ jobs: jobs.map((j) => ({ ...j.job, options: j.job.options.map((x) => ({ ...x, limitW: Math.min(x.limitW, j.demandW) })) })) }),
    },
    // Every server full (one 8-GPU job each), the same cut of what it draws: jobs at the Acme draw levels, and all at full draw.
    boundOnFullSite: {
      acmeDraw: boundOnFullSite(site, event.reducePct ?? 25),
      fullDraw: boundOnFullSite(site, event.reducePct ?? 25, 1),
    },
    // The same state against other cuts of the same drawn baseline: how deep a cut keeps 0.91 within reach.
    boundByCut: event.reducePct === undefined ? undefined : cutSweep(snap.capW / (1 - event.reducePct / 100)),
    boundOverEvent: {
      sliceS,
      placed: overEvent(false, 'placed'),
      placedFlex0Full: overEvent(true, 'placed'),
      freeMoves: overEvent(false, 'free-moves'),
      freeMovesFlex0Full: overEvent(true, 'free-moves'),
    },
  };
}

/** The replay up to the first pass that plans for the event (its state then, and what that pass stopped), and on to the event's end. */
function replayToEvent(o: EventBoundOptions) {
  const first = o.site.gridEvents[0];
  if (!first) throw new Error(`site ${o.site.name}: no grid event to bound`);
  const event = { ...first, ...(o.atS !== undefined ? { atS: o.atS } : {}), ...(o.reducePct !== undefined ? { reducePct: o.reducePct, capMw: undefined } : {}) };
  const site: SiteFile = { ...o.site, gridEvents: [event, ...o.site.gridEvents.slice(1)] };
  const policy = policyFromSite('wattpack', site.site, { checkpointIntervalS: 600 });
  let state: { snap: SiteSnapshot; t: number; jobs: ReturnType<typeof jobsOf> } | undefined;
  let shedPass: ReturnType<typeof whatThePassStopped> | undefined;
  let shedPassVariants: Record<string, ReturnType<typeof whatThePassStopped>> | undefined;
  const baseCapW = site.site.capMw * 1e6;
  const engine: Engine = new Engine({
    site,
    trace: o.trace,
    policy,
    loadScale: o.loadScale,
    untilS: event.atS + event.durationS,
    planner: (snap, queue, p) => {
      if (state || snap.capW >= baseCapW) return corePlan(snap, queue, p);
      // The state before the first pass that plans for the event (the core never mutates a snapshot: copied as it stands).
      state = { snap: structuredClone(snap), t: snap.now / 1000, jobs: jobsOf(snap, engine.table, snap.now / 1000) };
      // The same pass under the checkpoint order before, each part alone, and both: (a) and (b) apart.
      const variant = (shedByValue: boolean, shedCountsEmptiedOff: boolean) => whatThePassStopped(snap, corePlan(structuredClone(snap), queue, { ...p, shedByValue, shedCountsEmptiedOff }));
      shedPassVariants = { classOrderIdleCount: variant(false, false), valueOrderOnly: variant(true, false), emptiedOffCountOnly: variant(false, true) };
      const plan = corePlan(snap, queue, p);
      shedPass = whatThePassStopped(snap, plan);
      return plan;
    },
  });
  // wattpack's own figures for the same event, from the same replay, with the run's preemptions and cap violations.
  const run = engine.run();
  const wattpack = { ...run.gridEvents[0], preemptionsInRun: run.preemptions, capViolationsInRun: run.capViolations };
  if (!state) throw new Error('the replay ended before the event was planned for');
  return { site, event, state, shedPass, shedPassVariants, wattpack };
}

/** The bound over the event: each job weighs by its time in the event unslowed, so slices are independent and their bounds add up. */
function boundOverEvent(
  base: Pick<BoundInput, 'pue' | 'targetW' | 'nodes'>,
  jobs: ReturnType<typeof jobsOf>,
  o: { start: number; end: number; sliceS: number; keepFlex0: boolean; packing: 'placed' | 'free-moves' },
) {
  const span = jobs.map((j) => Math.min(o.end, j.unslowedEndS) - o.start);
  const inEvent = jobs.filter((_, k) => span[k]! > 0);
  const totalGpus = inEvent.reduce((s, j) => s + j.job.gpus, 0);
  let upper = 0;
  let feasible = 0;
  for (let a = o.start; a < o.end; a += o.sliceS) {
    const b = Math.min(o.end, a + o.sliceS);
    const sliceJobs = jobs
      .map((j, k) => ({ ...j.job, weight: span[k]! > 0 ? (j.job.gpus * Math.max(0, Math.min(b, j.unslowedEndS) - a)) / span[k]! : 0 }))
      .filter((j) => j.weight > 0);
    if (sliceJobs.length === 0) continue;
    const r = eventBound({ ...base, jobs: sliceJobs, keepFlex0: o.keepFlex0, packing: o.packing, totalGpus });
    upper += r.upper;
    feasible += r.feasible;
  }
  return { upper: round4(upper), feasible: round4(feasible), jobs: inEvent.length, gpus: totalGpus };
}

/** The site as the event's first pass found it: target, power split, servers, running jobs by class. */
function describeState(snap: SiteSnapshot, jobs: ReturnType<typeof jobsOf>) {
  const split = siteSplit(snap);
  const byFlex: Record<string, { jobs: number; gpus: number }> = {};
  for (const j of jobs) {
    const c = (byFlex[String(j.job.flex)] ??= { jobs: 0, gpus: 0 });
    c.jobs++;
    c.gpus += j.job.gpus;
  }
  const power = { on: 0, off: 0, other: 0, busy: 0 };
  for (const n of snap.nodes) {
    const p = n.power ?? 'on';
    if (p === 'on') power.on++;
    else if (p === 'off') power.off++;
    else power.other++;
    if (n.gpus.some((g) => g.jobId !== undefined)) power.busy++;
  }
  return {
    targetMw: round4(snap.capW / 1e6),
    budgetMw: round4((snap.capW * (1 - snap.reserveFraction)) / 1e6),
    facilityMwBeforeShedding: round4(split.facilityW / 1e6),
    itMw: { gpus: round4(split.gpusW / 1e6), hosts: round4(split.hostsW / 1e6), miners: round4(split.minersW / 1e6) },
    pue: snap.pue,
    servers: power,
    running: { jobs: jobs.length, gpus: jobs.reduce((s, j) => s + j.job.gpus, 0), byFlex },
  };
}

/**
 * The same bound on a site whose every GPU server runs one 8-GPU job of the site's
 * workload mix (the busiest the site can be), the target a cut of `reducePct` of what it
 * draws: what no load scale can beat. `drawLevel`: each job's share of its shape's full
 * draw (undefined: the site's, else drawn from the Acme clusters by id, as the simulator).
 */
export function boundOnFullSite(site: SiteFile, reducePct: number, drawLevel?: number) {
  const ps = site.site.powerSaving;
  const nodes = buildHardware(site)
    .nodes.filter((n) => n.gpus.length > 0)
    .map((n) => (ps.enabled ? { ...n, standbyW: ps.standbyW } : n));
  const jobs: BoundJob[] = [];
  let drawnIt = 0;
  for (const n of nodes) {
    const gpu = n.gpus[0]!;
    const shape = pickShape(n.id, site.workloadMix);
    const demand = demandW(shape, drawLevel ?? site.drawLevel ?? pickDrawLevel(n.id), gpu.maxW, gpu.idleW);
    jobs.push({ id: n.id, flex: -1, gpus: n.gpus.length, gpusPerNode: n.gpus.length, nodes: [n.id], options: limitOptions(shape, demand, gpu.minW, gpu.maxW), weight: n.gpus.length });
    drawnIt += n.hostBusyW + n.gpus.length * demand;
  }
  const drawnW = site.site.pue * drawnIt;
  const r = eventBound({ pue: site.site.pue, targetW: drawnW * (1 - reducePct / 100), nodes: nodes.map(boundNode), jobs });
  return { drawnMw: round4(drawnW / 1e6), targetMw: round4((drawnW * (1 - reducePct / 100)) / 1e6), upper: round4(r.upper), feasible: round4(r.feasible), stoppedJobs: r.stoppedJobs, slowedJobs: r.slowedJobs };
}

/** What wattpack's pass for the event stopped, and how many of those stops left their server on (freeing only GPU watts above idle). */
function whatThePassStopped(snap: SiteSnapshot, plan: Plan) {
  const stopped = new Set(plan.preemptions.map((x) => x.jobId));
  let gpus = 0;
  let onServersLeftOn = 0;
  let gpusOnServersLeftOn = 0;
  const serverOf = new Map<string, NodeView[]>();
  for (const n of snap.nodes) for (const g of n.gpus) if (g.jobId !== undefined && !serverOf.get(g.jobId)?.includes(n)) serverOf.set(g.jobId, [...(serverOf.get(g.jobId) ?? []), n]);
  for (const r of snap.running) {
    if (!stopped.has(r.id)) continue;
    const held = r.gpus * r.nodes;
    gpus += held;
    const leftOn = (serverOf.get(r.id) ?? []).some((n) => n.gpus.some((g) => g.jobId !== undefined && !stopped.has(g.jobId)));
    if (leftOn) {
      onServersLeftOn++;
      gpusOnServersLeftOn += held;
    }
  }
  const moved = plan.preemptions.filter((x) => x.code === 'consolidate').length;
  return { stoppedJobs: stopped.size, ofWhichMoves: moved, stoppedGpus: gpus, onServersLeftOn, gpusOnServersLeftOn, limitsLowered: plan.powerChanges.length, serversOff: plan.nodePower.suspend.length };
}

/** A GPU server as the bound sees it: off at its standby watts with power saving, else on at idle. */
function boundNode(n: NodeView): BoundNode {
  const idleW = n.gpus[0]!.idleW;
  return { id: n.id, gpus: n.gpus.length, idleW, hostBusyW: n.hostBusyW, standbyW: n.standbyW ?? n.hostIdleW + n.gpus.length * idleW };
}

/** The running jobs as the bound sees them: GPUs, servers, class, the vertices of their curve, and when each would end unslowed. */
function jobsOf(snap: SiteSnapshot, table: Readonly<JobTable>, t: number): { job: BoundJob; unslowedEndS: number; demandW: number }[] {
  const where = new Map<string, string[]>();
  const gpuOf = new Map<string, { minW: number; maxW: number }>();
  for (const n of snap.nodes) {
    for (const g of n.gpus) {
      if (g.jobId === undefined) continue;
      const list = where.get(g.jobId) ?? [];
      if (!list.includes(n.id)) list.push(n.id);
      where.set(g.jobId, list);
      gpuOf.set(g.jobId, { minW: g.minW, maxW: g.maxW });
    }
  }
  return snap.running.map((r) => {
    const j = table.idIndex.get(r.id)!;
    const gpu = gpuOf.get(r.id)!;
    const minW = Math.max(gpu.minW, r.minW ?? 0);
    const maxW = Math.min(gpu.maxW, r.maxW ?? Infinity);
    const remaining = Math.max(0, table.remaining[j]! - (t - table.lastUpdate[j]!) * table.speed[j]!);
    const nodes = where.get(r.id)!;
    return {
      job: {
        id: r.id,
        flex: table.flex[j]!,
        gpus: table.heldCount[j]!,
        gpusPerNode: table.gpusPerNode[j]!,
        nodes,
        options: limitOptions(table.shape[j]!, table.demand[j]!, minW, maxW),
        weight: table.heldCount[j]!,
      },
      unslowedEndS: t + remaining,
      demandW: table.demand[j]!,
    };
  });
}

/** The limits where a job's throughput curve bends, within its range (relativeSpeed is linear between them). */
export function limitOptions(shape: number, demandW: number, minW: number, maxW: number): LimitOption[] {
  const points = h200PowerCurves()[SHAPES[shape]!]!;
  const top = points[points.length - 1]!;
  const limits = new Set([minW, maxW]);
  for (const p of points) {
    const l = (p.limitW * demandW) / top.meanDrawW;
    if (l > minW && l < maxW) limits.add(l);
  }
  return [...limits].sort((a, b) => a - b).map((limitW) => ({ limitW, speed: relativeSpeed(shape, limitW, demandW) }));
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
