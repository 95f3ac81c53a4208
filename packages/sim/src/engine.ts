import { WattpackError } from '@wattpack/common';
import { planningLeadS, SiteSplit } from '@wattpack/scheduler/core';
import type { RunningJob, SiteSnapshot } from '@wattpack/scheduler/core';
import { PlanApplier } from './apply-plan.js';
import { CapClock } from './cap-schedule.js';
import { EventMeter } from './event-metrics.js';
import { engineSettings, type EngineOptions, type EngineSettings } from './engine-options.js';
import { JobTable } from './job-table.js';
import { JobTransitions } from './job-transitions.js';
import { Metrics, type EngineStats } from './metrics.js';
import { SimPower } from './power-saving.js';
import { buildHardware } from './site-file.js';

export type { EngineOptions, Planner } from './engine-options.js';
export type { EngineStats, JobRecord } from './metrics.js';

/**
 * The virtual-clock replay of a trace on a simulated site through the core's `plan`: the
 * clock and the event loop. The rooms it drives:
 * - cap-schedule.ts: the cap over time (grid events), and the cap the core plans against;
 * - job-transitions.ts: each job's life on the JobTable, the queue, the calendars;
 * - apply-plan.ts: a plan applied to the simulated GPUs and miners, verified as it goes;
 * - metrics.ts: watts, excursions and rates integrated over time; the final stats.
 *
 * Events: arrivals, completions, cap changes (grid events). Passes: at cycle boundaries
 * (multiples of cycleS) after something happened, and at once when the cap changes.
 * Each pass builds a SiteSnapshot (the hardware views are kept and updated in place:
 * the core never mutates a snapshot), calls the planner, and applies the whole plan:
 * preemptions, power changes, placements, curtailments and resumptions.
 *
 * A job's work is its trace duration at full power; it progresses at the relative
 * throughput of its workload shape at its per-GPU limit (the H200 curve), so a capped
 * job finishes later. Watts are what `siteSplit` counts (SiteSplit: only changed nodes again), after every change.
 */
export class Engine {
  private readonly o: EngineSettings;
  private readonly snap: SiteSnapshot;
  private readonly caps: CapClock;
  /** The jobs, in submit order: what they are and where each stands. */
  private readonly jobs: JobTable;
  private readonly metrics: Metrics;
  private readonly lifecycle: JobTransitions;
  private readonly applier: PlanApplier;
  private readonly power: SimPower | undefined;

  private nextArrival = 0;
  private neverFits = 0;
  /** Jobs the last pass left waiting for GPUs or watts ("never" excluded). */
  private waitingNow = 0;
  /**
   * The last pass did more than start jobs (preempted, changed limits, curtailed or woke
   * miners): the next cycle passes again, since the state it left may let more start.
   * A pass that only started jobs is a fixed point for the same state, less the GPUs and
   * watts it took.
   */
  private settle = false;
  private nextPassAt = Infinity;
  private lastPassAt = -Infinity;

  constructor(options: EngineOptions) {
    const o = (this.o = engineSettings(options));
    const site = options.site;
    const hw = buildHardware(site);
    // The planning cap's lead, as the live loop's: the checkpoint grace plus a minute.
    this.caps = new CapClock(site, planningLeadS(o.preemptGraceS));
    const running: RunningJob[] = [];
    this.snap = { now: 0, capW: this.caps.capW, reserveFraction: site.site.reserveFraction, pue: site.site.pue, nodes: hw.nodes, running };
    const watts = new SiteSplit(this.snap);
    const minerThs = site.miners?.hashrateThs ?? 0;
    this.jobs = new JobTable(options.trace, site, hw, o.loadScale);
    this.metrics = new Metrics({
      jobs: this.jobs,
      watts,
      pue: site.site.pue,
      rampW: (site.site.rampMwPerMin ?? 0) * 1e6,
      totalGpus: hw.gpus,
      activeThs: hw.miners.length * minerThs,
      cycleS: o.cycleS,
      events: new EventMeter(this.jobs, this.caps.events, site.site.pue),
    });
    this.lifecycle = new JobTransitions(o, this.jobs, running, watts, this.metrics);
    this.power = site.site.powerSaving.enabled ? new SimPower(hw.nodes, hw.gpuNodes, site.site.powerSaving, watts) : undefined;
    this.applier = new PlanApplier(this.snap, hw, this.jobs, this.lifecycle, watts, this.metrics, minerThs, this.power);
    this.refreshWatts();
  }

  /** The jobs and where each stands, read-only (analysis scripts: packages/sim/scripts/event-bound.mjs). */
  get table(): Readonly<JobTable> {
    return this.jobs;
  }

  run(): EngineStats {
    const { untilS } = this.o;
    for (;;) {
      this.lifecycle.dropStale();
      const next = this.nextInstant();
      if (!next) break;
      if (next.t > untilS) {
        this.integrateTo(untilS);
        this.metrics.stats.stoppedAtUntil = true;
        break;
      }
      this.integrateTo(next.t);
      this.step(next.t, next.tPass);
    }
    this.lifecycle.advanceHolders(this.metrics.t);
    const stats = this.metrics.finish(this.nextArrival, this.o.recordJobs);
    if (this.power) {
      this.power.integrateTo(this.metrics.t);
      stats.powerSaving = this.power.stats;
    }
    return stats;
  }

  /** The next instant anything happens, and when a pass is due; undefined when the replay is over. */
  private nextInstant(): { t: number; tPass: number } | undefined {
    const { idlePassS } = this.o;
    const tComp = this.lifecycle.nextExitS();
    const tArr = this.nextArrival < this.jobs.n ? this.jobs.submit[this.nextArrival]! : Infinity;
    const tCap = Math.min(this.caps.nextAtS(), this.metrics.events.nextAtS());
    const tWarm = this.lifecycle.nextWarmupS();
    const tPower = this.power?.nextAtS() ?? Infinity;
    const eventsLeft = tComp < Infinity || tArr < Infinity || tCap < Infinity;
    const waiting = this.lifecycle.queue.length - this.neverFits;
    // Nothing runs, nothing waits, nothing is coming: the replay is over.
    if (!eventsLeft && waiting <= 0 && this.lifecycle.running.length === 0) return undefined;
    let tPass = this.nextPassAt;
    if (tPass === Infinity && idlePassS > 0 && waiting > 0 && eventsLeft) tPass = this.boundaryAtOrAfter(this.lastPassAt + idlePassS);
    const t = Math.min(tComp, tArr, tCap, tPass, tWarm, tPower);
    return t === Infinity ? undefined : { t, tPass };
  }

  /** Everything due at t, in order: completions (and ends of grace), cap changes, arrivals, warm-ups, boots and idle timers; then the pass if due. */
  private step(t: number, tPass: number): void {
    // 1. completions
    let changed = this.lifecycle.exitDue(t);
    let happened = changed;
    // 2. cap changes: the core sees the new cap at this very instant (a cut once
    // announced, against the watts drawn now); the grid event in hand begins or ends.
    const resolved = this.caps.resolve(t, this.metrics.drawnW);
    const capChanged = this.caps.advanceTo(t) || resolved;
    this.metrics.events.at(t, this.metrics.facilityNowW, this.holders());
    // 3. arrivals
    const arrivals = this.jobs.submit;
    while (this.nextArrival < this.jobs.n && arrivals[this.nextArrival]! <= t) {
      this.lifecycle.enqueue(this.nextArrival++);
      happened = true;
    }
    if (this.lifecycle.warmupsDue(t)) happened = true;
    if (this.power?.due(t)) {
      happened = true;
      changed = true;
    }
    if (happened) this.markDirty(t);
    // 4. the pass
    if (capChanged || t >= this.nextPassAt || t >= tPass) {
      const passChanged = this.pass(t);
      changed ||= passChanged;
      this.lastPassAt = t;
      this.nextPassAt = Infinity;
      // A pass that did more than start jobs is followed by one at the next boundary (see `settle`).
      if (this.settle || !this.o.skipQuietCycles) this.nextPassAt = t + this.o.cycleS;
    }
    if (changed || capChanged) this.refreshWatts();
  }

  /** Indices of the jobs holding GPUs now. */
  private *holders(): Iterable<number> {
    for (const r of this.lifecycle.running) yield this.jobs.idIndex.get(r.id)!;
  }

  private boundaryAtOrAfter(x: number): number {
    const c = this.o.cycleS;
    let b = Math.ceil(x / c) * c;
    if (b <= this.lastPassAt) b = this.lastPassAt + c;
    return b;
  }

  private markDirty(t: number): void {
    const b = this.boundaryAtOrAfter(t);
    if (b < this.nextPassAt) this.nextPassAt = b;
  }

  /** Builds the snapshot, plans, applies everything the plan says; true if anything changed. */
  private pass(t: number): boolean {
    this.metrics.stats.planPasses++;
    this.snap.now = t * 1000;
    this.snap.capW = this.caps.planCapW;
    const ahead = this.caps.planAhead(t);
    if (ahead) this.snap.capAhead = { at: ahead.at * 1000, capW: ahead.capW };
    else delete this.snap.capAhead;
    const considered = this.lifecycle.window();
    this.power?.beforePass(t);
    if (this.o.rightSizing) this.lifecycle.sampleTelemetry(t);
    const p = this.o.planner(this.snap, considered, this.o.policy);
    this.snap.ramp = { fromW: p.allocatedW, atMs: this.snap.now };
    const headroomW = this.metrics.headroomWithoutReclaimW(p.budgetW);
    const { applied, changed: applyChanged } = this.applier.apply(p, t);
    const gone = applied.requeued.find((w) => w.code !== 'power');
    // Nothing changes here between plan and commit: only a curtailment still to land may hold a placement back.
    if (gone) throw new WattpackError('INTERNAL', `plan at t=${t}s: ${gone.jobId} ${gone.reason}`);
    if (this.o.rightSizing) this.metrics.countAdmittedByReclaim(headroomW, applied.placements);
    let changed = applyChanged;
    this.settle = changed;
    if (applied.placements.length > 0) {
      this.lifecycle.compactQueue();
      changed = true;
    }
    let never = 0;
    for (const w of p.waiting) if (w.code === 'never') never++;
    this.neverFits = never;
    this.waitingNow = p.waiting.length - never + applied.requeued.length + (this.lifecycle.queue.length - considered.length);
    return changed;
  }

  /** The state is constant from the meter's time to t: integrate it. */
  private integrateTo(t: number): void {
    this.metrics.integrateTo(t, this.caps.capW, this.lifecycle.queue.length, this.waitingNow);
  }

  /** Facility watts after a change, against the cap in force (which the snapshot shows again). */
  private refreshWatts(): void {
    this.snap.capW = this.caps.capW;
    this.metrics.refresh(this.caps.capW);
  }
}
