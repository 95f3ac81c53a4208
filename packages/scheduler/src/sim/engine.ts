import { WattpackError } from '@wattpack/shared';
import { compareJobs, plan as corePlan, siteSplit } from '../core/index.js';
import type { GpuView, MinerView, Placement, Plan, Policy, QueuedJob, RunningJob, SiteSnapshot } from '../core/index.js';
import { EventHeap } from './heap.js';
import { Series } from './series.js';
import { buildHardware, type SiteFile, type SiteHardware } from './site-file.js';
import type { Trace } from './traces/types.js';
import { pickShape, relativeSpeed, SHAPES } from './workload.js';

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
  /** Per team: useful GPU-seconds done for it, and GPU-seconds its jobs spent in the system. */
  teams: Map<string, { usefulGpuS: number; inSystemGpuS: number; jobs: number }>;
  series: Series;
  jobs?: JobRecord[];
}

const FUTURE = 0;
const QUEUED = 1;
const RUNNING = 2;
const DONE = 3;
/** Preempted, checkpointing: still holds its GPUs until its grace ends. */
const STOPPING = 4;

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
 * job finishes later. Watts are what `siteSplit` counts, after every change.
 */
export class Engine {
  private readonly o: Required<Omit<EngineOptions, 'untilS' | 'planner'>> & { untilS: number; planner: Planner };
  private readonly hw: SiteHardware;
  private readonly snap: SiteSnapshot;
  private readonly nodeIndex = new Map<string, number>();
  private readonly minerIndex = new Map<string, MinerView>();
  private readonly minerThs: number;
  private readonly capChanges: { atS: number; capW: number }[];
  private readonly rampW: number;

  // Jobs, in submit order (struct of arrays).
  private readonly n: number;
  private readonly ids: string[];
  private readonly idIndex = new Map<string, number>();
  private readonly teamOf: string[];
  private readonly teamIdx: Int32Array;
  private readonly teamSeen: Int32Array;
  private readonly submit: Float64Array;
  private readonly work: Float64Array;
  private readonly gpusPerNode: Int32Array;
  private readonly nodesOf: Int32Array;
  private readonly shape: Uint8Array;
  private readonly maxRuntimeS: Float64Array;
  private readonly state: Uint8Array;
  private readonly remaining: Float64Array;
  private readonly lastUpdate: Float64Array;
  private readonly speed: Float64Array;
  private readonly attemptStart: Float64Array;
  private readonly ckWork: Float64Array;
  private readonly runTime: Float64Array;
  private readonly firstStart: Float64Array;
  private readonly endAt: Float64Array;
  private readonly version: Int32Array;
  private readonly preempted: Int32Array;
  private readonly heldCount: Int32Array;
  private readonly limit: Float64Array;
  private readonly models: (readonly string[])[];
  private readonly held: (GpuView[] | undefined)[];
  private readonly queuedView: (QueuedJob | undefined)[];
  private readonly runningView: (RunningJob | undefined)[];
  private readonly runningPos: Int32Array;

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
    this.snap = { now: 0, capW: this.capW, reserveFraction: site.facility.reserveFraction, pue: site.facility.pue, nodes: this.hw.nodes, running: this.running };
    this.hw.nodes.forEach((node, pos) => this.nodeIndex.set(node.id, pos));
    for (const m of this.hw.miners) this.minerIndex.set(m.id, m);
    this.minerThs = site.miners?.hashrateThs ?? 0;
    this.activeThs = this.hw.miners.length * this.minerThs;
    this.capChanges = capSchedule(site);
    this.rampW = (site.facility.rampMwPerMin ?? 0) * 1e6;

    // Jobs: submit order (stable), clock from the first submit, arrivals compressed by loadScale.
    const trace = options.trace.jobs;
    const order = trace.map((_, i) => i).sort((a, b) => trace[a]!.submitS - trace[b]!.submitS || a - b);
    const n = (this.n = order.length);
    const t0 = n > 0 ? trace[order[0]!]!.submitS : 0;
    const width = Math.max(6, String(n).length);
    this.ids = new Array<string>(n);
    this.teamOf = new Array<string>(n);
    this.submit = new Float64Array(n);
    this.work = new Float64Array(n);
    this.gpusPerNode = new Int32Array(n);
    this.nodesOf = new Int32Array(n);
    this.shape = new Uint8Array(n);
    this.maxRuntimeS = new Float64Array(n);
    this.state = new Uint8Array(n);
    this.remaining = new Float64Array(n);
    this.lastUpdate = new Float64Array(n);
    this.speed = new Float64Array(n);
    this.attemptStart = new Float64Array(n);
    this.ckWork = new Float64Array(n);
    this.runTime = new Float64Array(n);
    this.firstStart = new Float64Array(n).fill(NaN);
    this.endAt = new Float64Array(n).fill(NaN);
    this.version = new Int32Array(n);
    this.preempted = new Int32Array(n);
    this.heldCount = new Int32Array(n);
    this.limit = new Float64Array(n).fill(NaN);
    this.models = new Array<readonly string[]>(n);
    this.held = new Array<GpuView[] | undefined>(n);
    this.queuedView = new Array<QueuedJob | undefined>(n);
    this.runningView = new Array<RunningJob | undefined>(n);
    this.runningPos = new Int32Array(n).fill(-1);
    const per = this.hw.maxGpusPerNode;
    const teams = new Map<string, { usefulGpuS: number; inSystemGpuS: number; jobs: number }>();
    this.teamIdx = new Int32Array(n);
    const teamNumber = new Map<string, number>();
    for (let j = 0; j < n; j++) {
      const job = trace[order[j]!]!;
      const id = `j${String(j).padStart(width, '0')}`;
      this.ids[j] = id;
      this.idIndex.set(id, j);
      this.teamOf[j] = job.team;
      if (!teamNumber.has(job.team)) teamNumber.set(job.team, teamNumber.size);
      this.teamIdx[j] = teamNumber.get(job.team)!;
      this.models[j] = this.modelsFor(job.gpuModels);
      if (!teams.has(job.team)) teams.set(job.team, { usefulGpuS: 0, inSystemGpuS: 0, jobs: 0 });
      teams.get(job.team)!.jobs++;
      this.submit[j] = (job.submitS - t0) / loadScale;
      this.work[j] = job.durationS;
      this.remaining[j] = job.durationS;
      // Larger than a node: a gang of whole nodes, GPUs spread evenly (rounded up).
      const nodes = job.gpus <= per ? 1 : Math.ceil(job.gpus / per);
      this.nodesOf[j] = nodes;
      this.gpusPerNode[j] = Math.ceil(job.gpus / nodes);
      this.shape[j] = pickShape(id, site.workloadMix);
      this.maxRuntimeS[j] = Math.max(1, Math.round(job.durationS * 1.5));
    }
    this.teamSeen = new Int32Array(teamNumber.size);
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
      teams,
      series: new Series(cycleS),
    };
    this.refreshWatts();
  }

  /** Job models the site has; others are dropped, and none left accepts any. */
  private modelsFor(models: readonly string[]): readonly string[] {
    if (models.length === 0) return models;
    const kept = models.filter((m) => this.hw.models.has(m));
    return kept.length === models.length ? models : kept;
  }

  run(): EngineStats {
    const { cycleS, untilS, idlePassS, skipQuietCycles } = this.o;
    const arrivals = this.submit;
    for (;;) {
      this.dropStaleCompletions();
      const tComp = Math.min(this.completions.peekKey(), this.stops.peekKey());
      const tArr = this.nextArrival < this.n ? arrivals[this.nextArrival]! : Infinity;
      const tCap = this.nextCap < this.capChanges.length ? this.capChanges[this.nextCap]!.atS : Infinity;
      const eventsLeft = tComp < Infinity || tArr < Infinity || tCap < Infinity;
      const waiting = this.queue.length - this.neverFits;
      // Nothing runs, nothing waits, nothing is coming: the replay is over.
      if (!eventsLeft && waiting <= 0 && this.running.length === 0) break;
      let tPass = this.nextPassAt;
      if (tPass === Infinity && idlePassS > 0 && waiting > 0 && eventsLeft) tPass = this.boundaryAtOrAfter(this.lastPassAt + idlePassS);
      const tNext = Math.min(tComp, tArr, tCap, tPass);
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
        if (tag !== this.version[j] || !this.holds(j)) continue;
        this.complete(j, t);
        changed = happened = true;
      }
      while (this.stops.size > 0 && this.stops.peekKey() <= t) {
        const j = this.stops.peekVal();
        this.stops.pop();
        if (this.state[j] !== STOPPING) continue;
        this.requeue(j, t);
        changed = happened = true;
      }
      // 2. cap changes: the core sees the new cap at this very instant.
      let capChanged = false;
      while (this.nextCap < this.capChanges.length && this.capChanges[this.nextCap]!.atS <= t) {
        this.capW = this.capChanges[this.nextCap++]!.capW;
        capChanged = true;
      }
      // 3. arrivals
      while (this.nextArrival < this.n && arrivals[this.nextArrival]! <= t) {
        this.enqueue(this.nextArrival++);
        happened = true;
      }
      if (happened) this.markDirty(t);
      // 4. the pass
      if (capChanged || t >= this.nextPassAt || t >= tPass) {
        const passChanged = this.pass(t);
        changed ||= passChanged;
        this.lastPassAt = t;
        this.nextPassAt = Infinity;
        // A pass that changed the site passes again next cycle, until the plan settles.
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
    while (h.size > 0 && (h.peekTag() !== this.version[h.peekVal()] || !this.holds(h.peekVal()))) h.pop();
    const s = this.stops;
    while (s.size > 0 && this.state[s.peekVal()] !== STOPPING) s.pop();
  }

  /** Running, or stopping: it holds GPUs and makes progress. */
  private holds(j: number): boolean {
    const st = this.state[j];
    return st === RUNNING || st === STOPPING;
  }

  // ---- the pass --------------------------------------------------------------------

  /** Builds the snapshot, plans, applies everything the plan says; true if anything changed. */
  private pass(t: number): boolean {
    this.stats.planPasses++;
    this.snap.now = t * 1000;
    this.snap.capW = this.capW;
    const considered = this.window();
    const p = this.o.planner(this.snap, considered, this.o.policy);
    let changed = false;
    for (const pre of p.preemptions) if (this.preempt(this.jobIndex(pre.jobId, 'preemption'), t)) changed = true;
    for (const pc of p.powerChanges) {
      if (this.changePower(this.jobIndex(pc.jobId, 'power change'), pc.powerLimitW, t)) changed = true;
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

  /** The part of the queue a pass considers (see queueDepth), in queue order. */
  private window(): readonly QueuedJob[] {
    const { queueDepth, teamDepth } = this.o;
    const queue = this.queue;
    if (queueDepth <= 0 || queue.length <= queueDepth) return queue;
    const out = queue.slice(0, queueDepth);
    const seen = this.teamSeen;
    seen.fill(0);
    for (let k = 0; k < queueDepth; k++) seen[this.teamIdx[this.queueIdx[k]!]!]!++;
    for (let k = queueDepth; k < queue.length; k++) {
      const team = this.teamIdx[this.queueIdx[k]!]!;
      if (seen[team]! < teamDepth) {
        seen[team]!++;
        out.push(queue[k]!);
      }
    }
    return out;
  }

  private jobIndex(id: string, what: string): number {
    const j = this.idIndex.get(id);
    if (j === undefined) throw new WattpackError('INTERNAL', `plan: ${what} for unknown job ${id}`);
    return j;
  }

  private snapshotError(message: string): never {
    throw new WattpackError('INTERNAL', `plan at t=${this.t}s: ${message}`);
  }

  // ---- job transitions ---------------------------------------------------------------

  private enqueue(j: number): void {
    this.state[j] = QUEUED;
    let q = this.queuedView[j];
    if (!q) {
      const d = this.o.site.jobDefaults;
      q = {
        id: this.ids[j]!,
        team: this.teamOf[j]!,
        priority: d.priority,
        submittedAt: this.submit[j]! * 1000,
        gpus: this.gpusPerNode[j]!,
        nodes: this.nodesOf[j]!,
        gpuModels: this.models[j]!,
        maxRuntimeS: this.maxRuntimeS[j]!,
        preemptible: d.preemptible,
      };
      if (d.minW !== undefined) q.minW = d.minW;
      if (d.maxW !== undefined) q.maxW = d.maxW;
      this.queuedView[j] = q;
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
      if (this.state[j] === QUEUED) {
        q.push(this.queue[k]!);
        idx.push(j);
      }
    }
    this.queue = q;
    this.queueIdx = idx;
  }

  private start(j: number, pl: Placement, t: number): void {
    if (this.state[j] !== QUEUED) this.snapshotError(`placement of ${pl.jobId}, which is not queued`);
    const limitW = pl.powerLimitW;
    const gpus: GpuView[] = [];
    let maxW = Infinity;
    for (const pn of pl.nodes) {
      const pos = this.nodeIndex.get(pn.nodeId);
      if (pos === undefined) this.snapshotError(`placement of ${pl.jobId} on unknown node ${pn.nodeId}`);
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
    this.held[j] = gpus;
    this.heldCount[j] = gpus.length;
    this.state[j] = RUNNING;
    if (Number.isNaN(this.firstStart[j]!)) this.firstStart[j] = t;
    this.attemptStart[j] = t;
    this.lastUpdate[j] = t;
    this.limit[j] = limitW;
    this.setSpeed(j, gpus.length ? relativeSpeed(this.shape[j]!, limitW, maxW) : 1, t);
    const q = this.queuedView[j]!;
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
    this.runningView[j] = r;
    this.runningPos[j] = this.running.length;
    this.running.push(r);
    this.busyGpus += gpus.length;
    this.stats.placements++;
  }

  /** Sets the job's speed from now on (its progress so far is already counted) and its finish time. */
  private setSpeed(j: number, speed: number, t: number): void {
    this.usefulRate += this.heldCount[j]! * (speed - this.speed[j]!);
    this.speed[j] = speed;
    this.version[j]!++;
    const end = speed > 0 ? t + this.remaining[j]! / speed : Infinity;
    this.endAt[j] = end;
    if (end < Infinity) this.completions.push(end, j, this.version[j]!);
  }

  /** Counts the job's progress up to t, and the checkpoint it passed on the way. */
  private advance(j: number, t: number): void {
    const from = this.lastUpdate[j]!;
    const dt = t - from;
    if (dt <= 0) return;
    const speed = this.speed[j]!;
    const doneBefore = this.work[j]! - this.remaining[j]!;
    this.remaining[j] = Math.max(0, this.remaining[j]! - dt * speed);
    const ck = this.o.checkpointS;
    const start = this.attemptStart[j]!;
    const k = Math.floor((t - start) / ck);
    const ckAt = start + k * ck;
    if (k >= 1 && ckAt > from) this.ckWork[j] = Math.min(this.work[j]!, doneBefore + (ckAt - from) * speed);
    this.lastUpdate[j] = t;
  }

  private release(j: number, t: number): void {
    for (const g of this.held[j] ?? []) {
      g.jobId = undefined;
      g.limitW = undefined;
    }
    this.held[j] = undefined;
    this.busyGpus -= this.heldCount[j]!;
    this.usefulRate -= this.heldCount[j]! * this.speed[j]!;
    this.speed[j] = 0;
    this.runTime[j] = this.runTime[j]! + (t - this.attemptStart[j]!);
    const pos = this.runningPos[j]!;
    const last = this.running.pop()!;
    if (pos < this.running.length) {
      this.running[pos] = last;
      this.runningPos[this.idIndex.get(last.id)!] = pos;
    }
    this.runningPos[j] = -1;
    this.runningView[j] = undefined;
    this.version[j]!++;
  }

  private complete(j: number, t: number): void {
    this.advance(j, t);
    this.remaining[j] = 0;
    this.release(j, t);
    this.state[j] = DONE;
    this.endAt[j] = t;
    const jct = t - this.submit[j]!;
    this.jct.push(jct);
    this.wait.push(Math.max(0, jct - this.runTime[j]!));
    const team = this.stats.teams.get(this.teamOf[j]!)!;
    const g = this.gpusPerNode[j]! * this.nodesOf[j]!;
    team.usefulGpuS += g * this.work[j]!;
    team.inSystemGpuS += g * jct;
  }

  private preempt(j: number, t: number): boolean {
    if (this.state[j] === STOPPING) return false;
    if (this.state[j] !== RUNNING) this.snapshotError(`preemption of ${this.ids[j]}, which is not running`);
    this.preempted[j]!++;
    this.stats.preemptions++;
    if (this.o.preemptGraceS > 0) {
      this.state[j] = STOPPING;
      this.runningView[j]!.stopping = true;
      this.stops.push(t + this.o.preemptGraceS, j, 0);
    } else this.requeue(j, t);
    return true;
  }

  /** A preempted job exits: it keeps the work up to its last checkpoint and waits again. */
  private requeue(j: number, t: number): void {
    this.advance(j, t);
    const done = this.work[j]! - this.remaining[j]!;
    const saved = Math.min(this.ckWork[j]!, done);
    this.stats.lostGpuS += this.heldCount[j]! * (done - saved);
    this.remaining[j] = this.work[j]! - saved;
    this.release(j, t);
    // Back in the queue at its original submit time.
    this.enqueue(j);
  }

  private changePower(j: number, limitW: number, t: number): boolean {
    if (!this.holds(j)) this.snapshotError(`power change for ${this.ids[j]}, which is not running`);
    const gpus = this.held[j]!;
    let maxW = Infinity;
    for (const g of gpus) {
      if (limitW < g.minW || limitW > g.maxW) this.snapshotError(`power change for ${this.ids[j]} to ${limitW} W, outside ${g.minW}-${g.maxW} W`);
      if (g.maxW < maxW) maxW = g.maxW;
    }
    const r = this.runningView[j]!;
    if (r.powerLimitW === limitW) return false;
    this.advance(j, t);
    for (const g of gpus) g.limitW = limitW;
    r.powerLimitW = limitW;
    this.limit[j] = limitW;
    this.setSpeed(j, gpus.length ? relativeSpeed(this.shape[j]!, limitW, maxW) : 1, t);
    this.stats.powerChanges++;
    return true;
  }

  private setCurtailed(id: string, curtailed: boolean): boolean {
    const m = this.minerIndex.get(id);
    if (!m) this.snapshotError(`${curtailed ? 'curtail' : 'resume'} of unknown miner ${id}`);
    if (m.curtailed === curtailed) return false;
    m.curtailed = curtailed;
    this.activeThs += curtailed ? -this.minerThs : this.minerThs;
    return true;
  }

  // ---- watts and metrics -------------------------------------------------------------

  /** Facility watts as the core counts them, after a change; cap and ramp excursions. */
  private refreshWatts(): void {
    this.snap.capW = this.capW;
    const split = siteSplit(this.snap);
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
    for (let j = 0; j < this.n; j++) {
      const st = this.state[j];
      if (st === DONE || st === FUTURE) continue;
      const holds = st === RUNNING || st === STOPPING;
      if (holds) this.advance(j, this.t);
      const team = s.teams.get(this.teamOf[j]!)!;
      const g = this.gpusPerNode[j]! * this.nodesOf[j]!;
      const progress = holds ? this.work[j]! - this.remaining[j]! : this.ckWork[j]!;
      team.usefulGpuS += g * progress;
      team.inSystemGpuS += g * Math.max(0, this.t - this.submit[j]!);
    }
    if (this.o.recordJobs) s.jobs = this.records();
    return s;
  }

  private records(): JobRecord[] {
    const out: JobRecord[] = [];
    for (let j = 0; j < this.n; j++) {
      const rec: JobRecord = {
        id: this.ids[j]!,
        team: this.teamOf[j]!,
        shape: SHAPES[this.shape[j]!]!,
        gpus: this.gpusPerNode[j]! * this.nodesOf[j]!,
        submitS: this.submit[j]!,
        workS: this.work[j]!,
        preemptions: this.preempted[j]!,
      };
      if (!Number.isNaN(this.firstStart[j]!)) rec.startS = this.firstStart[j]!;
      if (this.state[j] === DONE) rec.endS = this.endAt[j]!;
      if (!Number.isNaN(this.limit[j]!)) rec.limitW = this.limit[j]!;
      out.push(rec);
    }
    return out;
  }
}

/** Cap changes from the grid events: at each boundary, the lowest cap of the events in force. */
export function capSchedule(site: SiteFile): { atS: number; capW: number }[] {
  const base = site.facility.capMw * 1e6;
  const instants = [...new Set(site.gridEvents.flatMap((e) => [e.atS, e.atS + e.durationS]))].sort((a, b) => a - b);
  const out: { atS: number; capW: number }[] = [];
  let current = base;
  for (const at of instants) {
    let cap = base;
    for (const e of site.gridEvents) if (e.atS <= at && at < e.atS + e.durationS) cap = Math.min(cap, e.capMw * 1e6);
    if (cap !== current) out.push({ atS: at, capW: cap });
    current = cap;
  }
  return out;
}
