import { ThroughputCurve } from './limits.js';
import { FairShare } from './order.js';
import { isWattpack, type Policy, type RightSizing } from './policy.js';
import type { LimitReason, NodePowerPlan, Placement, Preemption, QueuedJob, RunningJob, SiteSnapshot, Waiting } from './snapshot.js';
import type { RunningMiner } from './site-base.js';
import { WorkingSite } from './working-site.js';
import { limitChangeW } from './watts.js';

/** EASY backfill: where and when the first blocked job will start. */
export interface Reservation {
  jobId: string;
  at: number;
  positions: ReadonlySet<number>;
  /** Facility watts still spare at `at` once the reserved job runs: long backfill may use only these. */
  spareW: number;
}

/** A running (or just placed) job whose per-GPU limit wattpack may move. */
export interface Flex {
  jobId: string;
  model: string;
  gpus: number;
  maxW: number;
  floor: number;
  want: number;
  /** Measured unconstrained draw (p99), when telemetry shows the job is not held back. */
  demandW?: number;
  /** Telemetry shows its limit holds it back: it loses most without watts. */
  held?: boolean;
  /** Its flexibility class (% throughput it may lose); its floor already keeps the rest. */
  flex?: number;
}

/**
 * The state of one planning pass: the working copy of the site and what the pass has
 * decided so far. The phases (shed.ts, right-size.ts, place.ts, reserve.ts, balance.ts)
 * read and write it; plan.ts runs them in order. Pure, like the rest of core.
 */
export class Pass {
  readonly work: WorkingSite;
  readonly curve: ThroughputCurve;
  readonly curves = new Map<string, ThroughputCurve>();
  readonly wattpack: boolean;
  readonly fair: FairShare | undefined;
  readonly placements: Placement[] = [];
  readonly waiting: Waiting[] = [];
  readonly preemptions: Preemption[] = [];
  readonly limits = new Map<string, { w: number; why: LimitReason }>();
  /** Running jobs lowered in this pass (right-size, shave): their watts are free only once telemetry confirms it. */
  readonly lowering = new Set<string>();
  /** Queued jobs waiting for the watts of jobs shaved in this pass: they need no victims. */
  readonly awaitingShave = new Set<string>();
  /** Queued jobs that fit now but would run into an announced lower cap without room under it: no victims for them either. */
  readonly awaitingEvent = new Set<string>();
  readonly rightSizing: RightSizing | undefined;
  readonly curtail: string[] = [];
  readonly resume: string[] = [];
  /** Power saving's decisions (power-saving.ts). */
  readonly nodePower: NodePowerPlan = { suspend: [], resume: [], down: [] };
  /** Expected ends of the jobs placed in this pass (endsByTime adds the running ones). */
  readonly placedEnds: { id: string; at: number }[] = [];
  readonly noFit = new Map<string | number, Omit<Waiting, 'jobId'>>();
  /** Nodes that jobs left waiting for watts (not GPUs) would have run on (power-saving.ts keeps them on). */
  readonly wantedForWatts = new Set<number>();
  /** fifo and backfill: why a shape and limit range found no watts, and how many placements the pass had then. */
  readonly noWatts = new Map<string, Omit<Waiting, 'jobId'> & { placements: number }>();
  /** wattpack: shapes that found no victims, and the state of the pass then (reserve.ts). */
  readonly noRescue = new Map<string, { state: string; counted: boolean }>();
  readonly preempting = new Set<string>();
  reservation: Reservation | undefined;
  reserved = false;
  blockedBy: string | undefined;
  rescues = 0;
  /** Flexible jobs (right-size.ts flexJobs): the running ones, then those placed in this pass. */
  flex: Flex[] | undefined;
  /** Flexible jobs placed in this pass before `flex` was built. */
  readonly placedFlex: Flex[] = [];
  /** Running miners, least valuable first: the watts wattpack may take back. */
  miners: RunningMiner[];
  minersW: number;
  private runningById: Map<string, RunningJob> | undefined;

  constructor(
    readonly site: SiteSnapshot,
    readonly queue: readonly QueuedJob[],
    readonly policy: Policy,
  ) {
    this.work = WorkingSite.of(site);
    this.curve = ThroughputCurve.of(policy.curve);
    for (const [model, points] of Object.entries(policy.curves ?? {})) this.curves.set(model, ThroughputCurve.of(points));
    this.wattpack = isWattpack(policy);
    this.rightSizing = this.wattpack ? policy.rightSizing : undefined;
    this.fair = this.wattpack ? new FairShare(site, queue, policy) : undefined;
    const byValue = this.wattpack ? this.work.minersByValue() : undefined;
    this.miners = byValue ? [...byValue.miners] : [];
    this.minersW = byValue?.w ?? 0;
  }

  /** The running jobs by id: built when a pass first asks (most passes never do). */
  get running(): ReadonlyMap<string, RunningJob> {
    return (this.runningById ??= new Map(this.site.running.map((r) => [r.id, r])));
  }

  /** Running and placed jobs' expected ends, soonest first (a stopping job ends now). */
  endsByTime(): { id: string; at: number }[] {
    const ends = this.site.running.map((r) => ({ id: r.id, at: r.stopping ? this.site.now : r.expectedEndAt }));
    for (const e of this.placedEnds) ends.push(e);
    return ends.sort((a, b) => a.at - b.at);
  }

  /** A job's per-GPU limit range. fifo and backfill run GPUs at max; wattpack may go down to the node-efficient limit. */
  bounds(job: { minW?: number; maxW?: number }, gpuMin: number, gpuMax: number, pos: number, model: string): { floor: number; want: number } {
    const clamp = (w: number) => Math.min(gpuMax, Math.max(gpuMin, w));
    const want = clamp(job.maxW ?? gpuMax);
    if (!this.wattpack) return { floor: want, want };
    const floor = job.minW !== undefined ? clamp(job.minW) : this.efficientLimit(gpuMin, gpuMax, pos, model);
    return { floor: Math.min(floor, want), want };
  }

  private efficientLimit(gpuMin: number, gpuMax: number, pos: number, model: string): number {
    const { nodeGpus, hostBusyW } = this.work.nodeShape(pos);
    return this.curveFor(model).efficientLimit(gpuMin, gpuMax, nodeGpus, hostBusyW);
  }

  /** The model's measured curve, or the policy's curve scaled to the model's max limit. */
  curveFor(model: string): ThroughputCurve {
    return this.curves.get(model) ?? this.curve;
  }

  limitNow(f: Flex): number {
    return this.work.limitOf(f.jobId) ?? f.want;
  }

  /** A lower limit for a running job; its watts count until telemetry confirms it. */
  lower(jobId: string, limitW: number, why: LimitReason): void {
    this.limits.set(jobId, { w: limitW, why });
    this.lowering.add(jobId);
  }

  /** A new limit that takes effect in the working copy now (a job placed in this pass, or shed/raise). */
  setLimit(jobId: string, limitW: number, why: LimitReason): void {
    this.work.setLimit(jobId, limitW);
    const placed = this.placements.find((p) => p.jobId === jobId);
    if (placed) {
      const bounds = this.work.boundsOf(jobId)!;
      placed.facilityW += limitChangeW(this.work.pue, bounds.gpus, placed.powerLimitW, limitW);
      placed.powerLimitW = limitW;
    } else this.limits.set(jobId, { w: limitW, why });
  }

  /** Curtails the least valuable running miner. */
  curtailNext(): void {
    const m = this.miners.shift()!;
    this.minersW -= m.w;
    this.work.setMinerRunning(m.pos, m.w, false);
    this.curtail.push(m.id);
  }
}
