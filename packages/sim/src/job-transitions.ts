import { compareJobs, PowerProfile } from '@wattpack/scheduler/core';
import type { GpuView, ProfileOptions, QueuedJob, RunningJob, SiteSplit } from '@wattpack/scheduler/core';
import type { EngineSettings } from './engine-options.js';
import { EventHeap } from './heap.js';
import { DONE, QUEUED, RUNNING, STOPPING, type JobTable } from './job-table.js';
import type { Metrics } from './metrics.js';
import { demandW, relativeSpeed } from './workload.js';

/**
 * Telemetry in the simulator: a job draws min(limit, its demand) once warmed up, so one
 * sample, taken after the site's right-sizing warm-up and again after each limit change,
 * is its whole profile.
 */
const profileOptions = (o: EngineSettings): ProfileOptions => ({ warmupS: o.site.site.rightSizing.warmupSeconds, window: 1, minSamples: 1 });

/**
 * A job's life on the JobTable: queued in the core's order, started on the GPUs a
 * placement gave it, advanced at its speed (checkpoints on the way), given a new limit,
 * preempted (at once, or after its grace), requeued with the work up to its last
 * checkpoint, completed. Each transition keeps the calendars (completions, ends of
 * grace, ends of warm-up) and the meter's rates (busy GPUs, useful work, unused and
 * reclaimed watts) true. The plan was verified before it got here (apply-plan.ts).
 */
export class JobTransitions {
  private waiting: QueuedJob[] = [];
  private waitingIdx: number[] = [];
  private readonly teamSeen: Int32Array;
  private readonly completions = new EventHeap();
  /** Ends of preempted jobs' grace. */
  private readonly stops = new EventHeap();
  /** Ends of warm-up: a pass then reads the job's first telemetry. */
  private readonly warmups = new EventHeap();
  /** Ends of restarts after a preemption (jobDefaults.restartTime), and each job's. */
  private readonly restores = new EventHeap();
  private readonly restoredAt: Float64Array;
  private readonly profile: ProfileOptions;
  private readonly sampledLimit: Float64Array;
  /** Each running job's row in the table, in `running`'s order (sampleTelemetry reads every one each pass). */
  private readonly runningRows: number[] = [];

  constructor(
    private readonly o: EngineSettings,
    private readonly jobs: JobTable,
    /** The running jobs: the snapshot's `running`. */
    readonly running: RunningJob[],
    private readonly watts: SiteSplit,
    private readonly metrics: Metrics,
  ) {
    this.sampledLimit = new Float64Array(jobs.n).fill(NaN);
    this.restoredAt = new Float64Array(jobs.n);
    this.profile = profileOptions(o);
    this.teamSeen = new Int32Array(jobs.teamNames.length);
  }

  /** The waiting jobs, in the core's order (priority, submit, id). */
  get queue(): readonly QueuedJob[] {
    return this.waiting;
  }

  /** Running, or stopping: it holds GPUs and makes progress. */
  holds(j: number): boolean {
    const st = this.jobs.state[j];
    return st === RUNNING || st === STOPPING;
  }

  // ---- the calendars -----------------------------------------------------------------

  /** The next completion, end of grace or end of a restart (Infinity: none). */
  nextExitS(): number {
    return Math.min(this.completions.peekKey(), this.stops.peekKey(), this.restores.peekKey());
  }

  nextWarmupS(): number {
    return this.warmups.peekKey();
  }

  dropStale(): void {
    const h = this.completions;
    while (h.size > 0 && (h.peekTag() !== this.jobs.version[h.peekVal()] || !this.holds(h.peekVal()))) h.pop();
    const s = this.stops;
    while (s.size > 0 && this.jobs.state[s.peekVal()] !== STOPPING) s.pop();
    const r = this.restores;
    while (r.size > 0 && !this.restoring(r.peekVal(), r.peekKey())) r.pop();
  }

  private restoring(j: number, at: number): boolean {
    return this.holds(j) && this.restoredAt[j] === at;
  }

  /** Ends restores due by t (no pass: the core sees no change), completes the jobs that finish by t, then requeues those whose grace ends by t; true if any of the last two. */
  exitDue(t: number): boolean {
    while (this.restores.size > 0 && this.restores.peekKey() <= t) {
      const [j, at] = [this.restores.peekVal(), this.restores.peekKey()];
      this.restores.pop();
      if (!this.restoring(j, at)) continue;
      this.advance(j, t);
      this.setSpeed(j, this.speedAt(j, this.jobs.limit[j]!, t), t);
    }
    let any = false;
    while (this.completions.size > 0 && this.completions.peekKey() <= t) {
      const j = this.completions.peekVal();
      const tag = this.completions.peekTag();
      this.completions.pop();
      if (tag !== this.jobs.version[j] || !this.holds(j)) continue;
      this.complete(j, t);
      any = true;
    }
    while (this.stops.size > 0 && this.stops.peekKey() <= t) {
      const j = this.stops.peekVal();
      this.stops.pop();
      if (this.jobs.state[j] !== STOPPING) continue;
      this.requeue(j, t);
      any = true;
    }
    return any;
  }

  /** Warm-ups that end by t; true if any (a pass is then due to read their telemetry). */
  warmupsDue(t: number): boolean {
    let any = false;
    while (this.warmups.size > 0 && this.warmups.peekKey() <= t) {
      this.warmups.pop();
      any = true;
    }
    return any;
  }

  // ---- the queue ---------------------------------------------------------------------

  enqueue(j: number): void {
    this.jobs.state[j] = QUEUED;
    const q = (this.jobs.queuedView[j] ??= this.queuedView(j));
    // Keep the queue in the core's order (priority, submit, id) so plan() skips its sort.
    const queue = this.waiting;
    if (queue.length === 0 || compareJobs(queue[queue.length - 1]!, q) <= 0) {
      queue.push(q);
      this.waitingIdx.push(j);
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
    this.waitingIdx.splice(lo, 0, j);
  }

  private queuedView(j: number): QueuedJob {
    const d = this.o.site.jobDefaults;
    const q: QueuedJob = {
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
    if (this.jobs.flex[j]! >= 0) q.flex = this.jobs.flex[j]!;
    return q;
  }

  /** Drops the jobs a pass started from the queue. */
  compactQueue(): void {
    const q: QueuedJob[] = [];
    const idx: number[] = [];
    for (let k = 0; k < this.waiting.length; k++) {
      const j = this.waitingIdx[k]!;
      if (this.jobs.state[j] === QUEUED) {
        q.push(this.waiting[k]!);
        idx.push(j);
      }
    }
    this.waiting = q;
    this.waitingIdx = idx;
  }

  /** The part of the queue a pass considers (see queueDepth), in queue order. */
  window(): readonly QueuedJob[] {
    const { queueDepth, teamDepth } = this.o;
    const queue = this.waiting;
    if (queueDepth <= 0 || queue.length <= queueDepth) return queue;
    const out = queue.slice(0, queueDepth);
    const seen = this.teamSeen;
    seen.fill(0);
    for (let k = 0; k < queueDepth; k++) seen[this.jobs.teamIdx[this.waitingIdx[k]!]!]!++;
    for (let k = queueDepth; k < queue.length; k++) {
      const team = this.jobs.teamIdx[this.waitingIdx[k]!]!;
      if (seen[team]! < teamDepth) {
        seen[team]!++;
        out.push(queue[k]!);
      }
    }
    return out;
  }

  // ---- running -----------------------------------------------------------------------

  /** Job j starts at t on `gpus` (on the nodes at `positions`), already given to it at `limitW`; `maxW`: the lowest of their maxima. */
  start(j: number, gpus: GpuView[], positions: number[], maxW: number, limitW: number, t: number): void {
    const jobs = this.jobs;
    jobs.held[j] = gpus;
    jobs.heldNodes[j] = positions;
    jobs.heldCount[j] = gpus.length;
    jobs.state[j] = RUNNING;
    if (Number.isNaN(jobs.firstStart[j]!)) jobs.firstStart[j] = t;
    jobs.attemptStart[j] = t;
    jobs.lastUpdate[j] = t;
    jobs.limit[j] = limitW;
    jobs.placedLimit[j] = limitW;
    jobs.rightSized[j] = 0;
    jobs.demand[j] = demandW(jobs.shape[j]!, jobs.drawLevel[j]!, maxW, gpus.length ? Math.max(...gpus.map((g) => g.idleW)) : 0);
    this.metrics.unusedW += this.unused(j);
    const restartS = this.o.site.jobDefaults.restartTime;
    this.restoredAt[j] = restartS > 0 && jobs.preempted[j]! > 0 ? t + restartS : 0;
    if (this.restoredAt[j]! > t) this.restores.push(this.restoredAt[j]!, j, 0);
    if (this.o.rightSizing) {
      jobs.profile[j] = new PowerProfile(t * 1000, this.profile);
      this.sampledLimit[j] = NaN;
      this.warmups.push(t + this.profile.warmupS, j, 0);
    }
    this.setSpeed(j, this.speedAt(j, limitW, t), t);
    const q = jobs.queuedView[j]!;
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
    for (const k of ['minW', 'maxW', 'flex'] as const) if (q[k] !== undefined) r[k] = q[k];
    jobs.runningView[j] = r;
    jobs.runningPos[j] = this.running.length;
    this.running.push(r);
    this.runningRows.push(j);
    this.metrics.busyGpus += gpus.length;
    this.metrics.stats.placements++;
  }

  /** Job j's GPUs already run at `limitW`: its progress so far at the old limit, then its new speed and watts. */
  changeLimit(j: number, limitW: number, rightSized: boolean, t: number): void {
    const m = this.metrics;
    this.advance(j, t);
    m.unusedW -= this.unused(j);
    m.reclaimedW -= this.reclaimed(j);
    this.jobs.limit[j] = limitW;
    if (rightSized) this.jobs.rightSized[j] = 1;
    m.unusedW += this.unused(j);
    m.reclaimedW += this.reclaimed(j);
    this.setSpeed(j, this.speedAt(j, limitW, t), t);
    m.stats.powerChanges++;
  }

  /** Each warmed-up job's draw at its current limit, as an agent would report it. */
  sampleTelemetry(t: number): void {
    const warmupS = this.profile.warmupS;
    for (let i = 0; i < this.running.length; i++) {
      const r = this.running[i]!;
      const j = this.runningRows[i]!;
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

  /** Relative throughput of job j's shape at `limitW`, given what it draws; none while it restores a checkpoint. */
  private speedAt(j: number, limitW: number, t: number): number {
    if (t < this.restoredAt[j]!) return 0;
    return this.jobs.heldCount[j] ? relativeSpeed(this.jobs.shape[j]!, limitW, this.jobs.demand[j]!) : 1;
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
    this.metrics.events.speed(j, t, this.jobs.speed[j]!);
    this.metrics.usefulRate += this.jobs.heldCount[j]! * (speed - this.jobs.speed[j]!);
    this.jobs.speed[j] = speed;
    this.jobs.version[j]!++;
    const end = speed > 0 ? t + this.jobs.remaining[j]! / speed : Infinity;
    this.jobs.endAt[j] = end;
    if (end < Infinity) this.completions.push(end, j, this.jobs.version[j]!);
  }

  /** Counts the job's progress up to t, and the checkpoint it passed on the way. */
  private advance(j: number, t: number): void {
    const jobs = this.jobs;
    const from = jobs.lastUpdate[j]!;
    const dt = t - from;
    if (dt <= 0) return;
    const speed = jobs.speed[j]!;
    const doneBefore = jobs.work[j]! - jobs.remaining[j]!;
    jobs.remaining[j] = Math.max(0, jobs.remaining[j]! - dt * speed);
    const ck = this.o.checkpointS;
    const start = jobs.attemptStart[j]!;
    const k = Math.floor((t - start) / ck);
    const ckAt = start + k * ck;
    if (k >= 1 && ckAt > from) jobs.ckWork[j] = Math.min(jobs.work[j]!, doneBefore + (ckAt - from) * speed);
    jobs.lastUpdate[j] = t;
  }

  /** Counts every job that still holds GPUs up to t (the end of the replay). */
  advanceHolders(t: number): void {
    for (let j = 0; j < this.jobs.n; j++) if (this.holds(j)) this.advance(j, t);
  }

  // ---- leaving -----------------------------------------------------------------------

  /** It leaves its GPUs (free again, their nodes' watts to count again) and the running list. */
  private release(j: number, t: number): void {
    const jobs = this.jobs;
    const m = this.metrics;
    m.unusedW -= this.unused(j);
    m.reclaimedW -= this.reclaimed(j);
    jobs.profile[j] = undefined;
    for (const g of jobs.held[j] ?? []) {
      g.jobId = undefined;
      g.limitW = undefined;
    }
    jobs.held[j] = undefined;
    for (const pos of jobs.heldNodes[j] ?? []) this.watts.changed(pos);
    jobs.heldNodes[j] = undefined;
    m.busyGpus -= jobs.heldCount[j]!;
    m.usefulRate -= jobs.heldCount[j]! * jobs.speed[j]!;
    m.events.speed(j, t, jobs.speed[j]!);
    m.events.left(j, t);
    jobs.speed[j] = 0;
    jobs.runTime[j] = jobs.runTime[j]! + (t - jobs.attemptStart[j]!);
    const pos = jobs.runningPos[j]!;
    const last = this.running.pop()!;
    const lastRow = this.runningRows.pop()!;
    if (pos < this.running.length) {
      this.running[pos] = last;
      this.runningRows[pos] = lastRow;
      jobs.runningPos[lastRow] = pos;
    }
    jobs.runningPos[j] = -1;
    jobs.runningView[j] = undefined;
    jobs.version[j]!++;
  }

  private complete(j: number, t: number): void {
    this.advance(j, t);
    this.jobs.remaining[j] = 0;
    this.release(j, t);
    this.jobs.state[j] = DONE;
    this.jobs.endAt[j] = t;
    this.metrics.events.completed(j, t);
    this.metrics.jobDone(j, t);
  }

  /** A running job is preempted: it exits at once, or checkpoints for its grace first. */
  preempt(j: number, t: number): void {
    this.jobs.preempted[j]!++;
    this.metrics.stats.preemptions++;
    if (this.o.preemptGraceS > 0) {
      this.jobs.state[j] = STOPPING;
      this.jobs.runningView[j]!.stopping = true;
      this.stops.push(t + this.o.preemptGraceS, j, 0);
    } else this.requeue(j, t);
  }

  /** A preempted job exits: it keeps the work up to its last checkpoint and waits again. */
  private requeue(j: number, t: number): void {
    this.advance(j, t);
    const done = this.jobs.work[j]! - this.jobs.remaining[j]!;
    const saved = Math.min(this.jobs.ckWork[j]!, done);
    this.metrics.stats.lostGpuS += this.jobs.heldCount[j]! * (done - saved);
    this.jobs.remaining[j] = this.jobs.work[j]! - saved;
    this.release(j, t);
    // Back in the queue at its original submit time.
    this.enqueue(j);
  }
}
