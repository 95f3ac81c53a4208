import { WattpackError } from '@wattpack/shared';
import { compareJobs, plan as corePlan, PowerProfile, SiteSplit } from '@wattpack/scheduler/core';
import type { GpuView, LimitReason, MinerView, Placement, Plan, Policy, ProfileOptions, QueuedJob, RunningJob, SiteSnapshot } from '@wattpack/scheduler/core';
import { EventHeap } from './heap.js';
import { Series } from './series.js';
import { buildHardware, type SiteFile, type SiteHardware } from './site-file.js';
import type { Trace } from './traces/types.js';
import { DONE, FUTURE, JobTable, QUEUED, RUNNING, STOPPING } from './job-table.js';
import { demandW, relativeSpeed, SHAPES } from './workload.js';

/**
 * Telemetry in the simulator: a job draws min(limit, its demand) once warmed up, so one
 * sample, taken after warm-up and again after each limit change, is its whole profile.
 */
const SIM_PROFILE: ProfileOptions = { warmupS: 120, window: 1, minSamples: 1 };

/** The core's entry point, or a stand-in (tests script plans with it). */
export type Planner = (site: SiteSnapshot, queue: readonly QueuedJob[], policy: Policy) => Plan;

export interface EngineOptions {
  site: SiteFile;
  trace: Trace;
  policy: Policy;
  /**
   * Seconds a preempted job takes to checkpoint and exit: it holds its GPUs and watts
   * (flagged `stopping` in the snapshot) until then (default 0: it exits at once).
   */
  preemptGraceS?: number;
  /** Virtual seconds between scheduling passes (default 30). */
  cycleS?: number;
  /** A job checkpoints every this many seconds of run time; preemption loses the work since (default 600). */
  checkpointS?: number;
  /** Arrivals k times as dense: inter-arrival times divided by k (default 1). */
  loadScale?: number;
  /** Stop at this virtual time (s from the first submit). */
  untilS?: number;
  /**
   * Skip a cycle's pass when nothing happened since the last pass (no arrival, completion
   * or cap change) and that pass changed nothing: the core is a pure function of the
   * snapshot, so the pass would decide the same again (default true). False: a pass every
   * cycle from the first arrival to the end, for comparison.
   */
  skipQuietCycles?: boolean;
  /**
   * Most queued jobs one pass considers, oldest first, plus the oldest `teamDepth` of
   * every team, so fair share still sees each team's head (default 500; 0: all). Slurm
   * bounds its passes the same way (default_queue_depth, bf_max_job_test).
   */
  queueDepth?: number;
  /** See queueDepth (default 16). */
  teamDepth?: number;
  /** While jobs wait and nothing happens, still pass at least this often (s; 0: never; default 0). */
  idlePassS?: number;
  planner?: Planner;
  /** Keep one record per job (tests, debugging). */
  recordJobs?: boolean;
}

export interface JobRecord {
  id: string;
  team: string;
  shape: string;
  gpus: number;
  submitS: number;
  workS: number;
  /** First start and end; undefined while it never started or did not finish. */
  startS?: number;
  endS?: number;
  /** Per-GPU limit at the end (or now). */
  limitW?: number;
  preemptions: number;
}

/** What one run measured: raw sums and samples; report.ts turns them into the result. */
export interface EngineStats {
  /** Jobs that arrived before the end (all of them unless --until stopped the replay). */
  submitted: number;
  finished: number;
  unfinished: number;
  placements: number;
  preemptions: number;
  powerChanges: number;
  planPasses: number;
  endS: number;
  stoppedAtUntil: boolean;
  jctS: Float64Array;
  waitS: Float64Array;
  totalGpus: number;
  busyGpuS: number;
  energyJ: number;
  capIntegralWs: number;
  peakFacilityW: number;
  waitingS: number;
  capUseWhileWaitingS: number;
  capViolations: number;
  capViolationS: number;
  rampExcursions: number;
  usefulGpuS: number;
  lostGpuS: number;
  minedThS: number;
  /** Facility energy as drawn (busy GPUs draw min(limit, demand)), and reclaimed watts integrated (W·s). */
  drawnJ: number;
  reclaimedWs: number;
  /** Placements that needed watts right-sizing had reclaimed. */
  jobsAdmittedByReclaim: number;
  /** Per team: useful GPU-seconds done for it, and GPU-seconds its jobs spent in the system. */
  teams: Map<string, { usefulGpuS: number; inSystemGpuS: number; jobs: number }>;
  series: Series;
  jobs?: JobRecord[];
}


/**
 * The virtual-clock replay of a trace on a simulated site through the core's `plan`.
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
  private readonly o: Required<Omit<EngineOptions, 'untilS' | 'planner'>> & { untilS: number; planner: Planner };
  private readonly hw: SiteHardware;
  private readonly snap: SiteSnapshot;
  private readonly nodeIndex = new Map<string, number>();
  private readonly minerIndex = new Map<string, { miner: MinerView; pos: number }>();
  /** Facility watts, counted again only on the nodes that changed. */
  private readonly watts: SiteSplit;
  private readonly minerThs: number;
  private readonly capChanges: { atS: number; capW: number }[];
  /** The cap the core plans against: an announced drop shows up to a lead time early, as in the live scheduler. */
  private readonly planCapChanges: { atS: number; capW: number }[];
  private nextPlanCap = 0;
  private planCapW: number;
  private readonly rampW: number;

  /** The jobs, in submit order: what they are and where each stands. */
  private readonly jobs: JobTable;
  private readonly teamSeen: Int32Array;

  // Live state.
  private t = 0;
  private capW: number;
  private nextArrival = 0;
  private nextCap = 0;
  private queue: QueuedJob[] = [];
  private queueIdx: number[] = [];
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
  private readonly running: RunningJob[] = [];
  private readonly completions = new EventHeap();
  /** Ends of preempted jobs' grace. */
  private readonly stops = new EventHeap();
  private nextPassAt = Infinity;
  private lastPassAt = -Infinity;
  private busyGpus = 0;
  private usefulRate = 0;
  private activeThs: number;
  private facilityW = 0;
  private gpuServersW = 0;
  private minersW = 0;
  private overCap = false;
  private overRamp = false;
  private readonly rampHistory: { t: number; w: number }[] = [];
  /** Held GPUs' limits above what they draw (W, no PUE): allocated but not drawn. */
  private unusedW = 0;
  /** Right-sized jobs' watts below the limits they were placed at (W, no PUE). */
  private reclaimedW = 0;
  private readonly rightSizing: boolean;
  /** Ends of warm-up: a pass then reads the job's first telemetry. */
  private readonly warmups = new EventHeap();
  private readonly sampledLimit: Float64Array;

  private readonly stats: EngineStats;
  private readonly jct: number[] = [];
  private readonly wait: number[] = [];

  constructor(options: EngineOptions) {
    const cycleS = options.cycleS ?? 30;
    if (!(cycleS > 0)) throw new WattpackError('INVALID_ARGUMENT', `cycleS must be positive, not ${cycleS}`);
    const loadScale = options.loadScale ?? 1;
    if (!(loadScale > 0)) throw new WattpackError('INVALID_ARGUMENT', `--load-scale must be positive, not ${loadScale}`);
    const checkpointS = options.checkpointS ?? 600;
    if (!(checkpointS > 0)) throw new WattpackError('INVALID_ARGUMENT', `checkpointS must be positive, not ${checkpointS}`);
    this.o = {
      site: options.site,
      trace: options.trace,
      policy: options.policy,
      cycleS,
      checkpointS,
      preemptGraceS: options.preemptGraceS ?? 0,
      loadScale,
      untilS: options.untilS ?? Infinity,
      skipQuietCycles: options.skipQuietCycles ?? true,
      idlePassS: options.idlePassS ?? 0,
      queueDepth: options.queueDepth ?? 500,
      teamDepth: options.teamDepth ?? 16,
      planner: options.planner ?? corePlan,
      recordJobs: options.recordJobs ?? false,
    };
    const site = options.site;
    this.hw = buildHardware(site);
    this.capW = site.facility.capMw * 1e6;
    this.planCapW = this.capW;
    this.snap = { now: 0, capW: this.capW, reserveFraction: site.facility.reserveFraction, pue: site.facility.pue, nodes: this.hw.nodes, running: this.running };
    this.hw.nodes.forEach((node, pos) => this.nodeIndex.set(node.id, pos));
    this.hw.nodes.forEach((node, pos) => node.miners.forEach((miner) => this.minerIndex.set(miner.id, { miner, pos })));
    this.watts = new SiteSplit(this.snap);
    this.minerThs = site.miners?.hashrateThs ?? 0;
    this.activeThs = this.hw.miners.length * this.minerThs;
    this.capChanges = capSchedule(site);
    // Lead: the checkpoint grace plus a minute, as the live scheduler's effectiveCapW.
    this.planCapChanges = capSchedule(site, this.o.preemptGraceS + 60);
    this.rampW = (site.facility.rampMwPerMin ?? 0) * 1e6;

    this.jobs = new JobTable(options.trace, site, this.hw, loadScale);
    const n = this.jobs.n;
    this.rightSizing = options.policy.rightSizing !== undefined;
    this.sampledLimit = new Float64Array(n).fill(NaN);
    const teams = new Map<string, { usefulGpuS: number; inSystemGpuS: number; jobs: number }>();
    for (const team of this.jobs.teamNames) teams.set(team, { usefulGpuS: 0, inSystemGpuS: 0, jobs: 0 });
    for (let j = 0; j < n; j++) teams.get(this.jobs.teamOf[j]!)!.jobs++;
    this.teamSeen = new Int32Array(this.jobs.teamNames.length);
    this.stats = {
      submitted: n,
      finished: 0,
      unfinished: 0,
      placements: 0,
      preemptions: 0,
      powerChanges: 0,
      planPasses: 0,
      endS: 0,
      stoppedAtUntil: false,
      jctS: new Float64Array(0),
      waitS: new Float64Array(0),
      totalGpus: this.hw.gpus,
      busyGpuS: 0,
      energyJ: 0,
      capIntegralWs: 0,
      peakFacilityW: 0,
      waitingS: 0,
      capUseWhileWaitingS: 0,
      capViolations: 0,
      capViolationS: 0,
      rampExcursions: 0,
      usefulGpuS: 0,
      lostGpuS: 0,
      minedThS: 0,
      drawnJ: 0,
      reclaimedWs: 0,
      jobsAdmittedByReclaim: 0,
      teams,
      series: new Series(cycleS),
    };
    this.refreshWatts();
  }

  run(): EngineStats {
    const { cycleS, untilS, idlePassS, skipQuietCycles } = this.o;
    const arrivals = this.jobs.submit;
    for (;;) {
      this.dropStaleCompletions();
      const tComp = Math.min(this.completions.peekKey(), this.stops.peekKey());
      const tArr = this.nextArrival < this.jobs.n ? arrivals[this.nextArrival]! : Infinity;
      const tCap = Math.min(
        this.nextCap < this.capChanges.length ? this.capChanges[this.nextCap]!.atS : Infinity,
        this.nextPlanCap < this.planCapChanges.length ? this.planCapChanges[this.nextPlanCap]!.atS : Infinity,
      );
      const tWarm = this.warmups.peekKey();
      const eventsLeft = tComp < Infinity || tArr < Infinity || tCap < Infinity;
      const waiting = this.queue.length - this.neverFits;
      // Nothing runs, nothing waits, nothing is coming: the replay is over.
      if (!eventsLeft && waiting <= 0 && this.running.length === 0) break;
      let tPass = this.nextPassAt;
      if (tPass === Infinity && idlePassS > 0 && waiting > 0 && eventsLeft) tPass = this.boundaryAtOrAfter(this.lastPassAt + idlePassS);
      const tNext = Math.min(tComp, tArr, tCap, tPass, tWarm);
      if (tNext === Infinity) break;
      if (tNext > untilS) {
        this.integrateTo(untilS);
        this.stats.stoppedAtUntil = true;
        break;
      }
      this.integrateTo(tNext);
      const t = tNext;
      let changed = false;
      let happened = false;
      // 1. completions
      while (this.completions.size > 0 && this.completions.peekKey() <= t) {
        const j = this.completions.peekVal();
        const tag = this.completions.peekTag();
        this.completions.pop();
        if (tag !== this.jobs.version[j] || !this.holds(j)) continue;
        this.complete(j, t);
        changed = happened = true;
      }
      while (this.stops.size > 0 && this.stops.peekKey() <= t) {
        const j = this.stops.peekVal();
        this.stops.pop();
        if (this.jobs.state[j] !== STOPPING) continue;
        this.requeue(j, t);
        changed = happened = true;
      }
      // 2. cap changes: the core sees the new cap at this very instant.
      let capChanged = false;
      while (this.nextCap < this.capChanges.length && this.capChanges[this.nextCap]!.atS <= t) {
        this.capW = this.capChanges[this.nextCap++]!.capW;
        capChanged = true;
      }
      while (this.nextPlanCap < this.planCapChanges.length && this.planCapChanges[this.nextPlanCap]!.atS <= t) {
        this.planCapW = this.planCapChanges[this.nextPlanCap++]!.capW;
        capChanged = true;
      }
      // 3. arrivals
      while (this.nextArrival < this.jobs.n && arrivals[this.nextArrival]! <= t) {
        this.enqueue(this.nextArrival++);
        happened = true;
      }
      while (this.warmups.size > 0 && this.warmups.peekKey() <= t) {
        this.warmups.pop();
        happened = true;
      }
      if (happened) this.markDirty(t);
      // 4. the pass
      if (capChanged || t >= this.nextPassAt || t >= tPass) {
        const passChanged = this.pass(t);
        changed ||= passChanged;
        this.lastPassAt = t;
        this.nextPassAt = Infinity;
        // A pass that did more than start jobs is followed by one at the next boundary (see `settle`).
        if (this.settle || !skipQuietCycles) this.nextPassAt = t + cycleS;
      }
      if (changed || capChanged) this.refreshWatts();
    }
    return this.finish();
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

  private dropStaleCompletions(): void {
    const h = this.completions;
    while (h.size > 0 && (h.peekTag() !== this.jobs.version[h.peekVal()] || !this.holds(h.peekVal()))) h.pop();
    const s = this.stops;
    while (s.size > 0 && this.jobs.state[s.peekVal()] !== STOPPING) s.pop();
  }

  /** Running, or stopping: it holds GPUs and makes progress. */
  private holds(j: number): boolean {
    const st = this.jobs.state[j];
    return st === RUNNING || st === STOPPING;
  }

  // ---- the pass --------------------------------------------------------------------

  /** Builds the snapshot, plans, applies everything the plan says; true if anything changed. */
  private pass(t: number): boolean {
    this.stats.planPasses++;
    this.snap.now = t * 1000;
    this.snap.capW = this.planCapW;
    const considered = this.window();
    if (this.rightSizing) this.sampleTelemetry(t);
    const p = this.o.planner(this.snap, considered, this.o.policy);
    this.snap.ramp = { fromW: p.allocatedW, atMs: this.snap.now };
    if (this.rightSizing) this.countAdmittedByReclaim(p);
    let changed = false;
    for (const pre of p.preemptions) if (this.preempt(this.jobIndex(pre.jobId, 'preemption'), t)) changed = true;
    for (const pc of p.powerChanges) {
      const j = this.jobIndex(pc.jobId, 'power change');
      // Preempted in this same pass with no grace: it has already left its GPUs.
      if (!this.holds(j) && this.jobs.preempted[j]! > 0) continue;
      if (this.changePower(j, pc.powerLimitW, t, pc.why)) changed = true;
    }
    for (const pl of p.placements) this.start(this.jobIndex(pl.jobId, 'placement'), pl, t);
    for (const id of p.curtail) if (this.setCurtailed(id, true)) changed = true;
    for (const id of p.resume) if (this.setCurtailed(id, false)) changed = true;
    this.settle = changed;
    if (p.placements.length > 0) {
      this.compactQueue();
      changed = true;
    }
    let never = 0;
    for (const w of p.waiting) if (w.code === 'never') never++;
    this.neverFits = never;
    this.waitingNow = p.waiting.length - never + (this.queue.length - considered.length);
    return changed;
  }

  /** Each warmed-up job's draw at its current limit, as an agent would report it. */
  private sampleTelemetry(t: number): void {
    const warmupS = SIM_PROFILE.warmupS;
    for (const r of this.running) {
      const j = this.jobs.idIndex.get(r.id)!;
      const limit = this.jobs.limit[j]!;
      if (t < this.jobs.attemptStart[j]! + warmupS || this.sampledLimit[j] === limit) continue;
      this.sampledLimit[j] = limit;
      const demand = this.jobs.demand[j]!;
      const profile = this.jobs.profile[j]!;
      profile.add({ atMs: t * 1000, drawW: Math.min(limit, demand), capped: demand >= limit });
      const power = profile.summary();
      if (power) r.power = power;
    }
  }

  /**
   * Placements that needed reclaimed watts: once the pass has used up what the site would
   * have had with every right-sized job back at its placed limit.
   */
  private countAdmittedByReclaim(p: Plan): void {
    let without = p.budgetW - this.facilityW + this.minersW - this.snap.pue * this.reclaimedW;
    for (const pl of p.placements) {
      without -= pl.facilityW;
      if (without < -1e-6) this.stats.jobsAdmittedByReclaim++;
    }
  }

  /** The part of the queue a pass considers (see queueDepth), in queue order. */
  private window(): readonly QueuedJob[] {
    const { queueDepth, teamDepth } = this.o;
    const queue = this.queue;
    if (queueDepth <= 0 || queue.length <= queueDepth) return queue;
    const out = queue.slice(0, queueDepth);
    const seen = this.teamSeen;
    seen.fill(0);
    for (let k = 0; k < queueDepth; k++) seen[this.jobs.teamIdx[this.queueIdx[k]!]!]!++;
    for (let k = queueDepth; k < queue.length; k++) {
      const team = this.jobs.teamIdx[this.queueIdx[k]!]!;
      if (seen[team]! < teamDepth) {
        seen[team]!++;
        out.push(queue[k]!);
      }
    }
    return out;
  }

  private jobIndex(id: string, what: string): number {
    const j = this.jobs.idIndex.get(id);
    if (j === undefined) throw new WattpackError('INTERNAL', `plan: ${what} for unknown job ${id}`);
    return j;
  }

  private snapshotError(message: string): never {
    throw new WattpackError('INTERNAL', `plan at t=${this.t}s: ${message}`);
  }

  // ---- job transitions ---------------------------------------------------------------

  private enqueue(j: number): void {
    this.jobs.state[j] = QUEUED;
    let q = this.jobs.queuedView[j];
    if (!q) {
      const d = this.o.site.jobDefaults;
      q = {
        id: this.jobs.ids[j]!,
        team: this.jobs.teamOf[j]!,
        priority: d.priority,
        submittedAt: this.jobs.submit[j]! * 1000,
        gpus: this.jobs.gpusPerNode[j]!,
        nodes: this.jobs.nodesOf[j]!,
        gpuModels: this.jobs.models[j]!,
        maxRuntimeS: this.jobs.maxRuntimeS[j]!,
        preemptible: d.preemptible,
      };
      if (d.minW !== undefined) q.minW = d.minW;
      if (d.maxW !== undefined) q.maxW = d.maxW;
      this.jobs.queuedView[j] = q;
    }
    // Keep the queue in the core's order (priority, submit, id) so plan() skips its sort.
    const queue = this.queue;
    if (queue.length === 0 || compareJobs(queue[queue.length - 1]!, q) <= 0) {
      queue.push(q);
      this.queueIdx.push(j);
      return;
    }
    let lo = 0;
    let hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareJobs(queue[mid]!, q) <= 0) lo = mid + 1;
      else hi = mid;
    }
    queue.splice(lo, 0, q);
    this.queueIdx.splice(lo, 0, j);
  }

  private compactQueue(): void {
    const q: QueuedJob[] = [];
    const idx: number[] = [];
    for (let k = 0; k < this.queue.length; k++) {
      const j = this.queueIdx[k]!;
      if (this.jobs.state[j] === QUEUED) {
        q.push(this.queue[k]!);
        idx.push(j);
      }
    }
    this.queue = q;
    this.queueIdx = idx;
  }

  private start(j: number, pl: Placement, t: number): void {
    if (this.jobs.state[j] !== QUEUED) this.snapshotError(`placement of ${pl.jobId}, which is not queued`);
    const limitW = pl.powerLimitW;
    const gpus: GpuView[] = [];
    const positions: number[] = [];
    let maxW = Infinity;
    for (const pn of pl.nodes) {
      const pos = this.nodeIndex.get(pn.nodeId);
      if (pos === undefined) this.snapshotError(`placement of ${pl.jobId} on unknown node ${pn.nodeId}`);
      positions.push(pos);
      this.watts.changed(pos);
      const node = this.hw.nodes[pos]!;
      for (const idx of pn.gpuIndices) {
        const g = node.gpus[idx]?.index === idx ? node.gpus[idx]! : node.gpus.find((x) => x.index === idx);
        if (!g) this.snapshotError(`placement of ${pl.jobId} on missing GPU ${pn.nodeId}/${idx}`);
        if (g.jobId !== undefined) this.snapshotError(`placement of ${pl.jobId} on ${pn.nodeId}/${idx}, held by ${g.jobId}`);
        g.jobId = pl.jobId;
        g.limitW = limitW;
        gpus.push(g);
        if (g.maxW < maxW) maxW = g.maxW;
      }
    }
    this.jobs.held[j] = gpus;
    this.jobs.heldNodes[j] = positions;
    this.jobs.heldCount[j] = gpus.length;
    this.jobs.state[j] = RUNNING;
    if (Number.isNaN(this.jobs.firstStart[j]!)) this.jobs.firstStart[j] = t;
    this.jobs.attemptStart[j] = t;
    this.jobs.lastUpdate[j] = t;
    this.jobs.limit[j] = limitW;
    this.jobs.placedLimit[j] = limitW;
    this.jobs.rightSized[j] = 0;
    this.jobs.demand[j] = demandW(this.jobs.shape[j]!, this.jobs.drawLevel[j]!, maxW, gpus.length ? Math.max(...gpus.map((g) => g.idleW)) : 0);
    this.unusedW += this.unused(j);
    if (this.rightSizing) {
      this.jobs.profile[j] = new PowerProfile(t * 1000, SIM_PROFILE);
      this.sampledLimit[j] = NaN;
      this.warmups.push(t + SIM_PROFILE.warmupS, j, 0);
    }
    this.setSpeed(j, gpus.length ? relativeSpeed(this.jobs.shape[j]!, limitW, this.jobs.demand[j]!) : 1, t);
    const q = this.jobs.queuedView[j]!;
    const r: RunningJob = {
      id: q.id,
      team: q.team,
      priority: q.priority,
      startedAt: t * 1000,
      expectedEndAt: (t + (q.maxRuntimeS ?? this.o.policy.defaultRuntimeS)) * 1000,
      gpus: q.gpus,
      nodes: q.nodes,
      powerLimitW: limitW,
      preemptible: q.preemptible ?? false,
    };
    if (q.minW !== undefined) r.minW = q.minW;
    if (q.maxW !== undefined) r.maxW = q.maxW;
    this.jobs.runningView[j] = r;
    this.jobs.runningPos[j] = this.running.length;
    this.running.push(r);
    this.busyGpus += gpus.length;
    this.stats.placements++;
  }

  /** Its GPUs' watts allocated but not drawn (W, no PUE). */
  private unused(j: number): number {
    const limit = this.jobs.limit[j]!;
    return this.jobs.heldCount[j]! * (limit - Math.min(limit, this.jobs.demand[j]!));
  }

  /** Its GPUs' watts reclaimed by right-sizing (W, no PUE). */
  private reclaimed(j: number): number {
    return this.jobs.rightSized[j] ? this.jobs.heldCount[j]! * Math.max(0, this.jobs.placedLimit[j]! - this.jobs.limit[j]!) : 0;
  }

  /** Sets the job's speed from now on (its progress so far is already counted) and its finish time. */
  private setSpeed(j: number, speed: number, t: number): void {
    this.usefulRate += this.jobs.heldCount[j]! * (speed - this.jobs.speed[j]!);
    this.jobs.speed[j] = speed;
    this.jobs.version[j]!++;
    const end = speed > 0 ? t + this.jobs.remaining[j]! / speed : Infinity;
    this.jobs.endAt[j] = end;
    if (end < Infinity) this.completions.push(end, j, this.jobs.version[j]!);
  }

  /** Counts the job's progress up to t, and the checkpoint it passed on the way. */
  private advance(j: number, t: number): void {
    const from = this.jobs.lastUpdate[j]!;
    const dt = t - from;
    if (dt <= 0) return;
    const speed = this.jobs.speed[j]!;
    const doneBefore = this.jobs.work[j]! - this.jobs.remaining[j]!;
    this.jobs.remaining[j] = Math.max(0, this.jobs.remaining[j]! - dt * speed);
    const ck = this.o.checkpointS;
    const start = this.jobs.attemptStart[j]!;
    const k = Math.floor((t - start) / ck);
    const ckAt = start + k * ck;
    if (k >= 1 && ckAt > from) this.jobs.ckWork[j] = Math.min(this.jobs.work[j]!, doneBefore + (ckAt - from) * speed);
    this.jobs.lastUpdate[j] = t;
  }

  private release(j: number, t: number): void {
    this.unusedW -= this.unused(j);
    this.reclaimedW -= this.reclaimed(j);
    this.jobs.profile[j] = undefined;
    for (const g of this.jobs.held[j] ?? []) {
      g.jobId = undefined;
      g.limitW = undefined;
    }
    this.jobs.held[j] = undefined;
    for (const pos of this.jobs.heldNodes[j] ?? []) this.watts.changed(pos);
    this.jobs.heldNodes[j] = undefined;
    this.busyGpus -= this.jobs.heldCount[j]!;
    this.usefulRate -= this.jobs.heldCount[j]! * this.jobs.speed[j]!;
    this.jobs.speed[j] = 0;
    this.jobs.runTime[j] = this.jobs.runTime[j]! + (t - this.jobs.attemptStart[j]!);
    const pos = this.jobs.runningPos[j]!;
    const last = this.running.pop()!;
    if (pos < this.running.length) {
      this.running[pos] = last;
      this.jobs.runningPos[this.jobs.idIndex.get(last.id)!] = pos;
    }
    this.jobs.runningPos[j] = -1;
    this.jobs.runningView[j] = undefined;
    this.jobs.version[j]!++;
  }

  private complete(j: number, t: number): void {
    this.advance(j, t);
    this.jobs.remaining[j] = 0;
    this.release(j, t);
    this.jobs.state[j] = DONE;
    this.jobs.endAt[j] = t;
    const jct = t - this.jobs.submit[j]!;
    this.jct.push(jct);
    this.wait.push(Math.max(0, jct - this.jobs.runTime[j]!));
    const team = this.stats.teams.get(this.jobs.teamOf[j]!)!;
    const g = this.jobs.gpusPerNode[j]! * this.jobs.nodesOf[j]!;
    team.usefulGpuS += g * this.jobs.work[j]!;
    team.inSystemGpuS += g * jct;
  }

  private preempt(j: number, t: number): boolean {
    if (this.jobs.state[j] === STOPPING) return false;
    if (this.jobs.state[j] !== RUNNING) this.snapshotError(`preemption of ${this.jobs.ids[j]}, which is not running`);
    this.jobs.preempted[j]!++;
    this.stats.preemptions++;
    if (this.o.preemptGraceS > 0) {
      this.jobs.state[j] = STOPPING;
      this.jobs.runningView[j]!.stopping = true;
      this.stops.push(t + this.o.preemptGraceS, j, 0);
    } else this.requeue(j, t);
    return true;
  }

  /** A preempted job exits: it keeps the work up to its last checkpoint and waits again. */
  private requeue(j: number, t: number): void {
    this.advance(j, t);
    const done = this.jobs.work[j]! - this.jobs.remaining[j]!;
    const saved = Math.min(this.jobs.ckWork[j]!, done);
    this.stats.lostGpuS += this.jobs.heldCount[j]! * (done - saved);
    this.jobs.remaining[j] = this.jobs.work[j]! - saved;
    this.release(j, t);
    // Back in the queue at its original submit time.
    this.enqueue(j);
  }

  private changePower(j: number, limitW: number, t: number, why: LimitReason): boolean {
    if (!this.holds(j)) this.snapshotError(`power change for ${this.jobs.ids[j]}, which is not running`);
    const gpus = this.jobs.held[j]!;
    let maxW = Infinity;
    for (const g of gpus) {
      if (limitW < g.minW || limitW > g.maxW) this.snapshotError(`power change for ${this.jobs.ids[j]} to ${limitW} W, outside ${g.minW}-${g.maxW} W`);
      if (g.maxW < maxW) maxW = g.maxW;
    }
    const r = this.jobs.runningView[j]!;
    if (r.powerLimitW === limitW) return false;
    this.advance(j, t);
    for (const g of gpus) g.limitW = limitW;
    for (const pos of this.jobs.heldNodes[j]!) this.watts.changed(pos);
    r.powerLimitW = limitW;
    this.unusedW -= this.unused(j);
    this.reclaimedW -= this.reclaimed(j);
    this.jobs.limit[j] = limitW;
    if (why === 'right-size') this.jobs.rightSized[j] = 1;
    this.unusedW += this.unused(j);
    this.reclaimedW += this.reclaimed(j);
    this.setSpeed(j, gpus.length ? relativeSpeed(this.jobs.shape[j]!, limitW, this.jobs.demand[j]!) : 1, t);
    this.stats.powerChanges++;
    return true;
  }

  private setCurtailed(id: string, curtailed: boolean): boolean {
    const found = this.minerIndex.get(id);
    if (!found) this.snapshotError(`${curtailed ? 'curtail' : 'resume'} of unknown miner ${id}`);
    const m = found.miner;
    if (m.curtailed === curtailed) return false;
    m.curtailed = curtailed;
    this.watts.changed(found.pos);
    this.activeThs += curtailed ? -this.minerThs : this.minerThs;
    return true;
  }

  // ---- watts and metrics -------------------------------------------------------------

  /** Facility watts as the core counts them, after a change; cap and ramp excursions. */
  private refreshWatts(): void {
    this.snap.capW = this.capW;
    const split = this.watts.total();
    const pue = this.snap.pue;
    this.facilityW = split.facilityW;
    this.gpuServersW = pue * (split.gpusW + split.hostsW);
    this.minersW = pue * split.minersW;
    if (this.facilityW > this.stats.peakFacilityW) this.stats.peakFacilityW = this.facilityW;
    const over = this.facilityW > this.capW;
    if (over && !this.overCap) this.stats.capViolations++;
    this.overCap = over;
    if (this.rampW > 0) this.checkRamp();
  }

  /** Counts each time the facility moves by more than rampMwPerMin within a minute. */
  private checkRamp(): void {
    const h = this.rampHistory;
    h.push({ t: this.t, w: this.facilityW });
    // Keep the last sample before the window: it is the level at t - 60 s.
    while (h.length > 2 && h[1]!.t <= this.t - 60) h.shift();
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of h) {
      if (s.w < lo) lo = s.w;
      if (s.w > hi) hi = s.w;
    }
    const over = hi - lo > this.rampW;
    if (over && !this.overRamp) this.stats.rampExcursions++;
    this.overRamp = over;
  }

  /** The state is constant from this.t to t: integrate it. */
  private integrateTo(t: number): void {
    const dt = t - this.t;
    if (dt <= 0) {
      this.t = Math.max(this.t, t);
      return;
    }
    const s = this.stats;
    const w = this.facilityW;
    s.energyJ += w * dt;
    s.drawnJ += (w - this.snap.pue * this.unusedW) * dt;
    s.reclaimedWs += this.snap.pue * this.reclaimedW * dt;
    s.capIntegralWs += this.capW * dt;
    s.busyGpuS += this.busyGpus * dt;
    s.usefulGpuS += this.usefulRate * dt;
    s.minedThS += this.activeThs * dt;
    if (this.overCap) s.capViolationS += dt;
    if (this.waitingNow > 0 && this.queue.length > 0) {
      s.waitingS += dt;
      if (this.capW > 0) s.capUseWhileWaitingS += (w / this.capW) * dt;
    }
    s.series.add(this.t, t, this.gpuServersW, this.minersW, this.capW, this.queue.length);
    this.t = t;
  }

  private finish(): EngineStats {
    const s = this.stats;
    s.endS = this.t;
    s.submitted = this.nextArrival;
    s.finished = this.jct.length;
    s.unfinished = s.submitted - s.finished;
    s.jctS = Float64Array.from(this.jct);
    s.waitS = Float64Array.from(this.wait);
    // Work lost to preemptions was counted while it ran: it is not useful.
    s.usefulGpuS -= s.lostGpuS;
    // Jobs still in the system at the end: their progress, and their time so far.
    for (let j = 0; j < this.jobs.n; j++) {
      const st = this.jobs.state[j];
      if (st === DONE || st === FUTURE) continue;
      const holds = st === RUNNING || st === STOPPING;
      if (holds) this.advance(j, this.t);
      const team = s.teams.get(this.jobs.teamOf[j]!)!;
      const g = this.jobs.gpusPerNode[j]! * this.jobs.nodesOf[j]!;
      const progress = holds ? this.jobs.work[j]! - this.jobs.remaining[j]! : this.jobs.ckWork[j]!;
      team.usefulGpuS += g * progress;
      team.inSystemGpuS += g * Math.max(0, this.t - this.jobs.submit[j]!);
    }
    if (this.o.recordJobs) s.jobs = this.records();
    return s;
  }

  private records(): JobRecord[] {
    const out: JobRecord[] = [];
    for (let j = 0; j < this.jobs.n; j++) {
      const rec: JobRecord = {
        id: this.jobs.ids[j]!,
        team: this.jobs.teamOf[j]!,
        shape: SHAPES[this.jobs.shape[j]!]!,
        gpus: this.jobs.gpusPerNode[j]! * this.jobs.nodesOf[j]!,
        submitS: this.jobs.submit[j]!,
        workS: this.jobs.work[j]!,
        preemptions: this.jobs.preempted[j]!,
      };
      if (!Number.isNaN(this.jobs.firstStart[j]!)) rec.startS = this.jobs.firstStart[j]!;
      if (this.jobs.state[j] === DONE) rec.endS = this.jobs.endAt[j]!;
      if (!Number.isNaN(this.jobs.limit[j]!)) rec.limitW = this.jobs.limit[j]!;
      out.push(rec);
    }
    return out;
  }
}

/**
 * Cap changes from the grid events: at each boundary, the lowest cap of the events in
 * force. With `leadS`, an event counts from up to `leadS` before it starts, as far as
 * its notice allows: the cap to plan against.
 */
export function capSchedule(site: SiteFile, leadS = 0): { atS: number; capW: number }[] {
  const base = site.facility.capMw * 1e6;
  const from = (e: SiteFile['gridEvents'][number]) => Math.max(0, e.atS - Math.min(e.noticeS, leadS));
  const instants = [...new Set(site.gridEvents.flatMap((e) => [from(e), e.atS + e.durationS]))].sort((a, b) => a - b);
  const out: { atS: number; capW: number }[] = [];
  let current = base;
  for (const at of instants) {
    let cap = base;
    for (const e of site.gridEvents) if (from(e) <= at && at < e.atS + e.durationS) cap = Math.min(cap, e.capMw * 1e6);
    if (cap !== current) out.push({ atS: at, capW: cap });
    current = cap;
  }
  return out;
}
