import type { PowerSavingStats } from './power-saving.js';
import { facilityOf, type Placement, type SiteSplit } from '@wattpack/scheduler/core';
import type { EventMeter, GridEventStats } from './event-metrics.js';
import { DONE, FUTURE, RUNNING, STOPPING, type JobTable } from './job-table.js';
import { Series } from './series.js';
import { SHAPES } from './workload.js';

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

/** Per team: useful GPU-seconds done for it, and GPU-seconds its jobs spent in the system. */
export interface TeamStats {
  usefulGpuS: number;
  inSystemGpuS: number;
  jobs: number;
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
  teams: Map<string, TeamStats>;
  series: Series;
  /** What each grid event did (event-metrics.ts). */
  gridEvents: GridEventStats[];
  /** What power saving did (sites with powerSaving enabled). */
  powerSaving?: PowerSavingStats;
  jobs?: JobRecord[];
}

export interface MetricsSetup {
  jobs: JobTable;
  /** Facility watts, counted again only on the nodes that changed. */
  watts: SiteSplit;
  pue: number;
  /** The facility may move by at most this much within a minute (W; 0: no limit). */
  rampW: number;
  totalGpus: number;
  /** TH/s of the miners, all running. */
  activeThs: number;
  cycleS: number;
  events: EventMeter;
}

/**
 * The meter: what the site does now (watts, busy GPUs, useful work, hashrate, held watts
 * not drawn), held constant between instants and integrated over each; cap and ramp
 * excursions; completion and queueing times; the final stats.
 */
export class Metrics {
  readonly stats: EngineStats;
  /** Virtual time integrated up to (s). */
  t = 0;
  /** GPUs held by jobs; Σ GPUs × relative throughput; TH/s of uncurtailed miners. */
  busyGpus = 0;
  usefulRate = 0;
  activeThs: number;
  /** Held GPUs' limits above what they draw (W, no PUE): allocated but not drawn. */
  unusedW = 0;
  /** Right-sized jobs' watts below the limits they were placed at (W, no PUE). */
  reclaimedW = 0;
  private facilityW = 0;
  private gpuServersW = 0;
  private minersW = 0;
  private overCap = false;
  private overRamp = false;
  private readonly rampHistory: { t: number; w: number }[] = [];
  private readonly jct: number[] = [];
  private readonly wait: number[] = [];
  private readonly jobs: JobTable;
  private readonly watts: SiteSplit;
  private readonly pue: number;
  private readonly rampW: number;
  readonly events: EventMeter;

  constructor(setup: MetricsSetup) {
    this.jobs = setup.jobs;
    this.events = setup.events;
    this.watts = setup.watts;
    this.pue = setup.pue;
    this.rampW = setup.rampW;
    this.activeThs = setup.activeThs;
    this.stats = emptyStats(setup.jobs, setup.totalGpus, setup.cycleS);
  }

  /** Facility watts as the core counts them, after a change; cap and ramp excursions. */
  refresh(capW: number): void {
    const split = this.watts.total();
    const pue = this.pue;
    this.facilityW = split.facilityW;
    this.gpuServersW = facilityOf(pue, split.gpusW + split.hostsW);
    this.minersW = facilityOf(pue, split.minersW);
    if (this.facilityW > this.stats.peakFacilityW) this.stats.peakFacilityW = this.facilityW;
    const over = this.facilityW > capW;
    if (over && !this.overCap) this.stats.capViolations++;
    this.overCap = over;
    this.events.watts(this.t, this.facilityW);
    if (this.rampW > 0) this.checkRamp();
  }

  /** Facility watts as the core counts them (at the allocated limits), and as drawn (what a meter reads). */
  get facilityNowW(): number {
    return this.facilityW;
  }

  get drawnW(): number {
    return this.facilityW - this.pue * this.unusedW;
  }

  /**
   * Counts each time the facility rises by more than rampMwPerMin within a minute: a level
   * above an earlier, lower one of the last minute. Falls are not counted: the ramp rule
   * limits rises only, and a cut (a grid event, a lower cap) must be met at once.
   */
  private checkRamp(): void {
    const h = this.rampHistory;
    h.push({ t: this.t, w: this.facilityW });
    // Keep the last sample before the window: it is the level at t - 60 s.
    while (h.length > 2 && h[1]!.t <= this.t - 60) h.shift();
    let lo = Infinity;
    let rise = 0;
    for (const s of h) {
      if (s.w - lo > rise) rise = s.w - lo;
      if (s.w < lo) lo = s.w;
    }
    const over = rise > this.rampW;
    if (over && !this.overRamp) this.stats.rampExcursions++;
    this.overRamp = over;
  }

  /**
   * The state is constant from this.t to t: integrate it. `queued` jobs are in the queue,
   * `waitingNow` of them left waiting for GPUs or watts by the last pass.
   */
  integrateTo(t: number, capW: number, queued: number, waitingNow: number): void {
    const dt = t - this.t;
    if (dt <= 0) {
      this.t = Math.max(this.t, t);
      return;
    }
    const s = this.stats;
    const w = this.facilityW;
    s.energyJ += w * dt;
    s.drawnJ += (w - facilityOf(this.pue, this.unusedW)) * dt;
    s.reclaimedWs += facilityOf(this.pue, this.reclaimedW) * dt;
    s.capIntegralWs += capW * dt;
    s.busyGpuS += this.busyGpus * dt;
    s.usefulGpuS += this.usefulRate * dt;
    s.minedThS += this.activeThs * dt;
    if (this.overCap) s.capViolationS += dt;
    this.events.integrate(this.t, t, w, this.overCap);
    if (waitingNow > 0 && queued > 0) {
      s.waitingS += dt;
      if (capW > 0) s.capUseWhileWaitingS += (w / capW) * dt;
    }
    s.series.add(this.t, t, this.gpuServersW, this.minersW, capW, queued);
    this.t = t;
  }

  /** Before a pass applies: what the site would have had free with every right-sized job back at its placed limit. */
  headroomWithoutReclaimW(planBudgetW: number): number {
    return planBudgetW - this.facilityW + this.minersW - facilityOf(this.pue, this.reclaimedW);
  }

  /** Placements that needed reclaimed watts: once the pass has used up that headroom. */
  countAdmittedByReclaim(headroomW: number, placements: readonly Placement[]): void {
    let without = headroomW;
    for (const pl of placements) {
      without -= pl.facilityW;
      if (without < -1e-6) this.stats.jobsAdmittedByReclaim++;
    }
  }

  /** Job j finished at t (its attempts' run time already counted): its JCT, wait and team's service. */
  jobDone(j: number, t: number): void {
    const jobs = this.jobs;
    const jct = t - jobs.submit[j]!;
    this.jct.push(jct);
    this.wait.push(Math.max(0, jct - jobs.runTime[j]!));
    const team = this.stats.teams.get(jobs.teamOf[j]!)!;
    const g = jobs.gpusPerNode[j]! * jobs.nodesOf[j]!;
    team.usefulGpuS += g * jobs.work[j]!;
    team.inSystemGpuS += g * jct;
  }

  /**
   * The stats at the end of the replay: `submitted` jobs arrived; those still holding GPUs
   * have had their progress counted up to now.
   */
  finish(submitted: number, recordJobs: boolean): EngineStats {
    const s = this.stats;
    const jobs = this.jobs;
    s.endS = this.t;
    this.events.finish(this.t);
    s.gridEvents = this.events.done;
    s.submitted = submitted;
    s.finished = this.jct.length;
    s.unfinished = s.submitted - s.finished;
    s.jctS = Float64Array.from(this.jct);
    s.waitS = Float64Array.from(this.wait);
    // Work lost to preemptions was counted while it ran: it is not useful.
    s.usefulGpuS -= s.lostGpuS;
    // Jobs still in the system at the end: their progress, and their time so far.
    for (let j = 0; j < jobs.n; j++) {
      const st = jobs.state[j];
      if (st === DONE || st === FUTURE) continue;
      const holds = st === RUNNING || st === STOPPING;
      const team = s.teams.get(jobs.teamOf[j]!)!;
      const g = jobs.gpusPerNode[j]! * jobs.nodesOf[j]!;
      const progress = holds ? jobs.work[j]! - jobs.remaining[j]! : jobs.ckWork[j]!;
      team.usefulGpuS += g * progress;
      team.inSystemGpuS += g * Math.max(0, this.t - jobs.submit[j]!);
    }
    if (recordJobs) s.jobs = jobRecords(jobs);
    return s;
  }
}

function emptyStats(jobs: JobTable, totalGpus: number, cycleS: number): EngineStats {
  const teams = new Map<string, TeamStats>();
  for (const team of jobs.teamNames) teams.set(team, { usefulGpuS: 0, inSystemGpuS: 0, jobs: 0 });
  for (let j = 0; j < jobs.n; j++) teams.get(jobs.teamOf[j]!)!.jobs++;
  return {
    submitted: jobs.n,
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
    totalGpus,
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
    gridEvents: [],
  };
}

/** One record per job, in submit order. */
function jobRecords(jobs: JobTable): JobRecord[] {
  const out: JobRecord[] = [];
  for (let j = 0; j < jobs.n; j++) {
    const rec: JobRecord = {
      id: jobs.ids[j]!,
      team: jobs.teamOf[j]!,
      shape: SHAPES[jobs.shape[j]!]!,
      gpus: jobs.gpusPerNode[j]! * jobs.nodesOf[j]!,
      submitS: jobs.submit[j]!,
      workS: jobs.work[j]!,
      preemptions: jobs.preempted[j]!,
    };
    if (!Number.isNaN(jobs.firstStart[j]!)) rec.startS = jobs.firstStart[j]!;
    if (jobs.state[j] === DONE) rec.endS = jobs.endAt[j]!;
    if (!Number.isNaN(jobs.limit[j]!)) rec.limitW = jobs.limit[j]!;
    out.push(rec);
  }
  return out;
}
