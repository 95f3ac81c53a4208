import { announcedAt, type SimGridEvent } from './cap-schedule.js';
import { DONE, type JobTable } from './job-table.js';
import { relativeSpeed } from './workload.js';

/** What one grid event did (the sim report's `gridEvents`). */
export interface GridEventStats {
  startS: number;
  endS: number;
  /** The cap the event held the facility to; for a cut, the drawn watts it was taken against. */
  targetMw: number;
  baselineMw?: number;
  reducePct?: number;
  /** From the start until the facility was first at or under the target (0: already; null: never). */
  timeToTargetS: number | null;
  /** Seconds over the target during the event. */
  violationS: number;
  meanFacilityMw: number;
  /**
   * What limits alone could free when the event was announced (before any shedding for it): PUE × Σ GPUs × (limit − the lowest
   * limit that keeps the job's class of throughput on the same curve; the GPU's minimum
   * for a job of no class; none for flex 0). A cut larger than this needs preemption.
   */
  limitHeadroomMw: number;
  /** Jobs that held GPUs during the event, and their GPUs. */
  jobs: number;
  gpus: number;
  /**
   * Weighted job performance: the GPU-weighted mean over those jobs of achieved/unconstrained
   * throughput during the event (a preempted job counts 0 until it runs again).
   */
  performance: number;
  /** The same per flexibility class ("none": no class). */
  byFlex: Record<string, { jobs: number; gpus: number; performance: number }>;
  /**
   * The same over the jobs that held GPUs at the start (or were shed for it ahead), the
   * fixed set a trial such as Emerald AI's measures; the rest started during the event and
   * count from their own start (a job started at full speed late in the event lifts the mean).
   */
  heldAtStart: { jobs: number; gpus: number; performance: number };
}

/**
 * Per grid event: each job's throughput integrated over the time it spends in the event
 * (from the start, or its own start, to the end or its completion; a job shed for the
 * event between its announcement and its start counts from the start, at 0 until it runs), the facility's watts
 * against the target, and when it first met it. Events are measured one at a time, in
 * start order; a job's throughput relative to unconstrained is its `speed` (1 at a limit
 * at or above its demand, workload.ts).
 */
export class EventMeter {
  readonly done: GridEventStats[] = [];
  private readonly order: SimGridEvent[];
  private k = 0;
  private active = false;
  private reachedAt = NaN;
  private violationS = 0;
  private energyWs = 0;
  private headroomW = 0;
  private announced = false;
  /** When the event in hand began to be measured: the jobs counted from then held GPUs at its start. */
  private activeFrom = NaN;
  private readonly acc: Float64Array;
  private readonly since: Float64Array;
  private readonly last: Float64Array;
  private readonly stop: Float64Array;
  /** Jobs that left their GPUs after the event in hand was announced and before it began. */
  private readonly leftEarly = new Set<number>();

  constructor(
    private readonly jobs: JobTable,
    events: readonly SimGridEvent[],
    private readonly pue: number,
  ) {
    this.order = [...events].sort((a, b) => a.start - b.start);
    const n = jobs.n;
    this.acc = new Float64Array(n);
    this.since = new Float64Array(n);
    this.last = new Float64Array(n);
    this.stop = new Float64Array(n);
  }

  private get event(): SimGridEvent | undefined {
    return this.order[this.k];
  }

  /** When the event in hand is announced, begins or ends next (Infinity: none left): the engine steps there. */
  nextAtS(): number {
    const e = this.event;
    return !e ? Infinity : this.active ? e.end : this.announced ? e.start : announcedAt(e);
  }

  /** At instant t (after the cap changes due then): the event in hand is announced, begins or ends. */
  at(t: number, facilityW: number, holders: Iterable<number>): void {
    let e = this.event;
    if (e && this.active && t >= e.end) this.end(e.end);
    // An event the replay jumped past (it started before the first instant) is not measured.
    while ((e = this.event) && !this.active && t >= e.end) this.k++;
    if (!e || this.active) return;
    const holding = [...holders];
    if (!this.announced && t >= announcedAt(e)) {
      this.announced = true;
      this.headroomW = 0;
      for (const j of holding) this.headroomW += this.pue * this.limitHeadroomW(j);
    }
    if (t < e.start || t >= e.end) return;
    this.active = true;
    this.activeFrom = t;
    this.acc.fill(0);
    this.since.fill(NaN);
    this.stop.fill(NaN);
    this.reachedAt = NaN;
    this.violationS = 0;
    this.energyWs = 0;
    // Jobs shed ahead of the start for it count too (at 0 until they run again).
    for (const j of [...holding, ...this.leftEarly]) {
      if (this.jobs.state[j] === DONE) continue;
      this.since[j] = t;
      this.last[j] = t;
    }
    this.leftEarly.clear();
    this.watts(t, facilityW);
  }

  /** Watts (no PUE) job j's limit could give before its class's throughput is lost. */
  private limitHeadroomW(j: number): number {
    const jobs = this.jobs;
    const flex = jobs.flex[j]!;
    const limit = jobs.limit[j]!;
    const minW = jobs.held[j]![0]!.minW;
    if (flex === 0 || limit <= minW) return 0;
    let floor = minW;
    if (flex > 0) {
      const keep = 1 - flex / 100;
      const at = (w: number) => relativeSpeed(jobs.shape[j]!, w, jobs.demand[j]!);
      if (at(minW) < keep) {
        let lo = minW;
        let hi = limit;
        while (hi - lo > 1) {
          const mid = (lo + hi) / 2;
          if (at(mid) >= keep) hi = mid;
          else lo = mid;
        }
        floor = hi;
      }
    }
    return jobs.heldCount[j]! * Math.max(0, limit - floor);
  }

  /** Job j's speed changes at t from `old` (it starts, is limited, leaves its GPUs). */
  speed(j: number, t: number, old: number): void {
    if (!this.active) return;
    if (Number.isNaN(this.since[j]!)) {
      this.since[j] = t;
    } else this.acc[j] = this.acc[j]! + old * (t - this.last[j]!);
    this.last[j] = t;
  }

  /** Job j leaves its GPUs at t (preempted or done). */
  left(j: number, t: number): void {
    const e = this.event;
    if (e && !this.active && t >= announcedAt(e)) this.leftEarly.add(j);
  }

  /** Job j completed at t: its time in the event ends there. */
  completed(j: number, t: number): void {
    if (this.active && !Number.isNaN(this.since[j]!)) this.stop[j] = t;
  }

  /** The facility's watts after a change at t. */
  watts(t: number, facilityW: number): void {
    const e = this.event;
    if (this.active && Number.isNaN(this.reachedAt) && facilityW <= e!.capW! + 1e-6) this.reachedAt = t;
  }

  /** The state was constant from t0 to t1, at `facilityW`, over the cap or not. */
  integrate(t0: number, t1: number, facilityW: number, over: boolean): void {
    const e = this.event;
    if (!this.active || !e) return;
    const dt = Math.min(t1, e.end) - Math.max(t0, e.start);
    if (dt <= 0) return;
    this.energyWs += facilityW * dt;
    if (over) this.violationS += dt;
  }

  /** The replay stops at t: an event in progress is measured up to there. */
  finish(t: number): void {
    if (this.active) this.end(t);
  }

  private end(t: number): void {
    const e = this.event!;
    const jobs = this.jobs;
    let gpus = 0;
    let weighted = 0;
    let count = 0;
    const byFlex: GridEventStats['byFlex'] = {};
    const atStart = { jobs: 0, gpus: 0, performance: 0 };
    for (let j = 0; j < jobs.n; j++) {
      const from = this.since[j]!;
      if (Number.isNaN(from)) continue;
      const stop = this.stop[j]!;
      let acc = this.acc[j]!;
      if (Number.isNaN(stop)) acc += jobs.speed[j]! * (t - this.last[j]!);
      const span = (Number.isNaN(stop) ? t : stop) - from;
      if (span <= 0) continue;
      const g = jobs.gpusPerNode[j]! * jobs.nodesOf[j]!;
      const perf = acc / span;
      count++;
      gpus += g;
      weighted += g * perf;
      const cls = jobs.flex[j]! >= 0 ? String(jobs.flex[j]) : 'none';
      const c = (byFlex[cls] ??= { jobs: 0, gpus: 0, performance: 0 });
      c.jobs++;
      c.gpus += g;
      c.performance += g * perf;
      if (from === this.activeFrom) {
        atStart.jobs++;
        atStart.gpus += g;
        atStart.performance += g * perf;
      }
    }
    for (const c of [...Object.values(byFlex), atStart]) c.performance = round4(c.gpus > 0 ? c.performance / c.gpus : 1);
    const span = t - e.start;
    this.done.push({
      startS: e.start,
      endS: t,
      targetMw: round4(e.capW! / 1e6),
      ...(e.baselineW !== undefined ? { baselineMw: round4(e.baselineW / 1e6) } : {}),
      ...(e.reducePct !== undefined ? { reducePct: e.reducePct } : {}),
      timeToTargetS: Number.isNaN(this.reachedAt) ? null : this.reachedAt - e.start,
      violationS: this.violationS,
      meanFacilityMw: round4(span > 0 ? this.energyWs / span / 1e6 : 0),
      limitHeadroomMw: round4(this.headroomW / 1e6),
      jobs: count,
      gpus,
      performance: round4(gpus > 0 ? weighted / gpus : 1),
      byFlex,
      heldAtStart: atStart,
    });
    this.active = false;
    this.announced = false;
    this.k++;
  }
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
