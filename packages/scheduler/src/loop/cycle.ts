import { LIMIT_HISTORY, isTerminal, type Assignment, type Job, type LimitChange } from '@wattpack/common/daemon';
import { plan } from '../core/plan.js';
import { FairShare, type ShareStanding } from '../core/order.js';
import type { Policy } from '../core/policy.js';
import { policyFromSite } from '../core/policy-from-site.js';
import { applyPlan, freshOf, type Applied, type PlanTarget } from '../core/driver.js';
import type { LimitReason, Placement, Plan, Preemption, SiteSnapshot, Waiting } from '../core/snapshot.js';
import { limitChangeW } from '../core/watts.js';
import { dependencyStatus } from '../state/dependencies.js';
import { toQueued } from '../state/snapshot-builder.js';
import type { Commands } from './commands.js';
import { throttleArrays, throttledReason } from './array-throttle.js';
import { chooseRendezvous } from './rendezvous.js';
import type { NodePowerControl } from './node-power.js';
import type { LoopState } from './state.js';

/** How soon to look again while miners curtail or limits come down. */
const FREEING_RECHECK_MS = 500;
/**
 * Passes start at most this often by default. Under a stream of submits and job events a
 * pass then places the jobs of many events, rather than one snapshot and plan per event
 * (two snapshots and a plan were a quarter of the scheduler's CPU in pnpm bench:e2e); a
 * lone submit on a quiet site still gets its pass at once.
 */
export const MIN_PASS_GAP_MS = 50;
/**
 * Planning takes at most about this share of the scheduler's time: after a slow plan (a
 * long queue, many running jobs) the next pass starts 1 / PLAN_SHARE of its duration
 * later, so that submits and events are not starved by passes that mostly find nothing new
 * to place...
 */
const PLAN_SHARE = 0.2;
/** ...but no more than this after a slow plan (passGapMs, when larger, still holds): a job still starts well within a second. */
const MAX_PASS_GAP_MS = 250;

/**
 * While a fleet registers at once (after a restart), passes start at most this often, and
 * take at most STORM_PLAN_SHARE of the time: each group of registrations asked for one, and
 * at 800 nodes they were a sixth of the new scheduler's CPU while the fleet came back (a
 * pass's snapshot grows with the nodes). A returning node's GPUs wait a few seconds at most.
 */
const STORM_PASS_GAP_MS = 1000;
const STORM_PLAN_SHARE = 0.1;

/** The dry run's target: the state read once, nothing applied. */
const DRY_RUN = (snapshot: SiteSnapshot): PlanTarget<void> => ({
  fresh: () => freshOf(snapshot),
  preempt: () => {},
  setLimit: () => {},
  miners: () => {},
  nodePower: () => {},
  place: () => {},
  wait: () => {},
});
/** A pass's plan, the array tasks it held back over their %N, and the snapshot it planned on. */
interface Planned {
  plan: Plan;
  held: Job[];
  snapshot: SiteSnapshot;
}

/** What one pass did, as LoopState.changes emits it ('pass') for metrics. */
export interface PassRecord {
  seconds: number;
  /** Of it, the plan's own run (snapshot and plan), which sets the gap to the next pass. */
  planSeconds: number;
  /** Jobs placed by this pass (none when it waited for miners to curtail first). */
  placed: string[];
  waiting: Waiting[];
  preemptions: Preemption[];
}

/**
 * One packing pass: snapshot -> plan (the pure core) -> verify and commit (the driver,
 * core/driver.ts: store, then commands). Planning and committing are serial tasks of
 * their own; bursts of triggers coalesce into one pass.
 */
export class Cycle {
  private lastPass: { fromW: number; atMs: number } | undefined;
  /** When a pass last shed load: new starts hold a margin until the meter has seen it (core/plan.ts). */
  private lastShedAt: number | undefined;
  private requested = false;
  /** When the last pass began (performance.now()), and how long its plan ran (not its waits: the queue, the store). */
  private lastPassAt = -Infinity;
  private lastPlanMs = 0;
  /** Until when (performance.now()) a registration storm spaces passes out. */
  private stormUntil = -Infinity;
  private passing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly state: LoopState,
    private readonly commands: Commands,
    private readonly power: NodePowerControl,
    /** The least time between the starts of two passes (MIN_PASS_GAP_MS); 0: none, however slow the passes. */
    private readonly passGapMs = MIN_PASS_GAP_MS,
  ) {}

  stop(): void {
    this.stopped = true;
  }

  /** Resolves once the passes started so far have committed. */
  passesDone(): Promise<void> {
    return this.passing;
  }

  /** Coalesces triggers: many submits or events in a burst cause one pass; passes start passGapMs apart at least, more after a slow one. */
  request(afterMs = 0): void {
    if (this.requested || this.stopped) return;
    this.requested = true;
    const go = () => {
      this.requested = false;
      // Passes never overlap: the next plans only once the last has committed.
      this.passing = this.passing.then(() => this.pass()).catch((err) => this.state.log.error({ err }, 'scheduling cycle failed'));
    };
    const waitMs = Math.max(afterMs, this.lastPassAt + this.gapMs() - performance.now());
    if (waitMs > 0) setTimeout(go, waitMs).unref();
    else setImmediate(go);
  }

  /** A registration storm goes on (a big group of registrations was just taken): passes spaced out for `forMs`. */
  storm(forMs: number): void {
    this.stormUntil = Math.max(this.stormUntil, performance.now() + forMs);
  }

  /** The least time from the last pass's start to the next: passGapMs, or more after a slow plan or during a storm. */
  private gapMs(): number {
    const gap = this.passGapMs && Math.max(this.passGapMs, Math.min(MAX_PASS_GAP_MS, this.lastPlanMs / PLAN_SHARE));
    return performance.now() < this.stormUntil ? Math.max(gap, STORM_PASS_GAP_MS, this.lastPlanMs / STORM_PLAN_SHARE) : gap;
  }

  /**
   * One pass: plan (a serial task: the state is read, nothing changes), then commit (a
   * later serial task: changes that landed in between, such as a drain or a node lost,
   * are there to see). The driver re-verifies the plan against the state at commit and
   * requeues what no longer fits; watts freed by curtailing miners count only once their
   * telemetry confirms it, so placements that need them wait for a later pass.
   */
  private async pass(): Promise<void> {
    // Asked for while the last pass planned: its gap is known only now.
    const waitMs = this.lastPassAt + this.gapMs() - performance.now();
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs).unref());
    const startedAt = performance.now();
    this.lastPassAt = startedAt;
    const { serial } = this.state;
    let planTask = 0;
    const planned = await serial.run(async () => {
      const began = performance.now();
      try {
        return await this.plan();
      } finally {
        this.lastPlanMs = performance.now() - began;
        planTask = serial.started();
      }
    });
    if (!planned) return;
    await serial.run(() => {
      // Nothing ran between the plan and this commit (most passes): the state is the one the
      // plan's snapshot read, so the driver verifies against that rather than a second one.
      const unchanged = serial.started() === planTask + 1 ? planned.snapshot : undefined;
      return this.commit(planned, startedAt, this.lastPlanMs, unchanged);
    });
  }

  /**
   * The next plan from the state now; the ramp limit counts from it. Dependencies are
   * settled first (a job whose dependency can never be met ends here, with why).
   */
  private async plan(): Promise<Planned | undefined> {
    if (this.stopped) return undefined;
    const planned = this.planNow(await this.withDependenciesMet(this.pending()));
    this.lastPass = { fromW: planned.plan.allocatedW, atMs: this.state.now() };
    if (planned.plan.shed) this.lastShedAt = this.lastPass.atMs;
    return planned;
  }

  /** Applies a plan through the driver against the state as it is now (`unchanged`: the snapshot it still is); `held`: array tasks over their %N. */
  private async commit({ plan: planned, held }: Planned, startedAt: number, planMs: number, unchanged?: SiteSnapshot): Promise<Applied | undefined> {
    if (this.stopped) return undefined;
    const applied = await applyPlan(planned, this.target(unchanged));
    for (const j of held) this.setReason(j.id, throttledReason(j));
    // Placements requeued at commit (miners still curtailing, a node that changed): look again soon.
    if (applied.requeued.length > 0) this.request(FREEING_RECHECK_MS);
    this.logPass(planned, applied);
    const record: PassRecord = {
      seconds: (performance.now() - startedAt) / 1000,
      planSeconds: planMs / 1000,
      placed: applied.placements.map((p) => p.jobId),
      waiting: [...planned.waiting, ...applied.requeued],
      preemptions: planned.preemptions,
    };
    this.state.changes.emit('pass', record);
    return applied;
  }

  /** What the next pass would do, and what of it would commit now: the dry run, through the same driver, changing nothing. */
  preview(): { plan: Plan; applied: Applied } {
    const ready = this.pending().filter((j) => j.dependenciesMet || dependencyStatus(j, (id) => this.state.jobs.get(id)).kind === 'met');
    const planned = this.planNow(ready).plan;
    return { plan: planned, applied: applyPlan(planned, DRY_RUN(this.state.snapshot())) };
  }

  private pending(): Job[] {
    return [...this.state.jobs.values()].filter((j) => j.state === 'PENDING');
  }

  /** The plan for these pending jobs, but an array's tasks over its %N, which are `held`. */
  private planNow(pending: Job[]): Planned {
    const { admitted, held } = throttleArrays(pending, (id) => this.state.arrayTasks(id) ?? []);
    const snapshot = this.state.snapshot();
    const memory = { ...(this.lastPass ? { ramp: this.lastPass } : {}), ...(this.lastShedAt !== undefined ? { shedAtMs: this.lastShedAt } : {}) };
    return { plan: plan({ ...snapshot, ...memory }, admitted.map((j) => toQueued(j, this.state.site)), this.policy()), held, snapshot };
  }

  /** The live site as the driver's target: stored first, then sent to agents. */
  private target(unchanged?: SiteSnapshot): PlanTarget<Promise<void>> {
    // This commit's placements by rank 0's node: their writes are in flight together, so not yet in the state.
    const placed = new Map<string, Job[]>();
    return {
      fresh: () => freshOf(unchanged ?? this.state.snapshot()),
      preempt: (p) => this.preempt(p.jobId, p.reason),
      setLimit: (c) => this.changeLimit(c.jobId, c.powerLimitW, c.why),
      miners: (ids, action) => this.commands.commandMiners(ids, action),
      nodePower: (ids, action) => this.power.apply(ids, action),
      place: async (p) => {
        const next = await this.commitPlacement(p, placed);
        if (next) await this.commands.dispatchStarts(next);
      },
      wait: async (w) => this.setReason(w.jobId, w.reason),
    };
  }

  /** The jobs free to be placed; the others wait with the reason, or end when their dependencies can never be met. */
  private async withDependenciesMet(pending: Job[]): Promise<Job[]> {
    const ready: Job[] = [];
    for (const job of pending) {
      const deps = job.dependenciesMet ? { kind: 'met' as const } : dependencyStatus(job, (id) => this.state.jobs.get(id));
      if (deps.kind === 'wait') this.setReason(job.id, deps.reason);
      else if (deps.kind === 'never') await this.state.store({ ...job, state: 'CANCELLED', reason: deps.reason, finishedAt: this.state.now() });
      else if (job.dependenciesMet || (!job.spec.afterOk.length && !job.spec.afterAny.length)) ready.push(job);
      else {
        // Kept: the jobs it waited on may leave the store (finishedJobRetention) before it is placed.
        const met = { ...job, dependenciesMet: true };
        await this.state.store(met);
        ready.push(met);
      }
    }
    return ready;
  }

  private logPass(result: Plan, applied: Applied): void {
    if (result.placements.length + result.preemptions.length + result.curtail.length + result.resume.length === 0) return;
    this.state.log.info(
      {
        placed: applied.placements.length,
        requeued: applied.requeued.length,
        waiting: result.waiting.length,
        preempted: result.preemptions.length,
        curtail: result.curtail.length,
        resume: result.resume.length,
        allocatedMw: +(result.allocatedW / 1e6).toFixed(3),
      },
      'cycle',
    );
  }

  private setReason(jobId: string, reason: string): void {
    const job = this.state.jobs.get(jobId);
    if (job && job.state === 'PENDING' && job.reason !== reason) this.state.setWaitReason(job, reason);
  }

  private async preempt(jobId: string, reason: string): Promise<void> {
    const job = this.state.jobs.get(jobId);
    if (!job || job.preempting || job.cancelRequested || isTerminal(job.state)) return;
    const next: Job = { ...job, preempting: reason };
    await this.state.store(next);
    await this.commands.dispatchStops(next, reason);
  }

  private async changeLimit(jobId: string, powerLimitW: number, why: LimitReason): Promise<void> {
    const job = this.state.jobs.get(jobId);
    if (!job || isTerminal(job.state)) return;
    const gpus = job.assignments.reduce((sum, a) => sum + a.gpuIndices.length, 0);
    const next: Job = {
      ...job,
      powerLimitW,
      allocatedFacilityW: job.allocatedFacilityW + limitChangeW(this.state.site.pue, gpus, job.powerLimitW, powerLimitW),
      limitHistory: withLimit(job.limitHistory, { at: this.state.now(), limitW: powerLimitW, why }),
    };
    await this.state.store(next);
    await this.commands.setPower(job, powerLimitW);
  }

  /** The placement stored; undefined for a job that no longer waits. `placed`: this commit's, by rank 0's node. */
  private async commitPlacement(p: Placement, placed: Map<string, Job[]>): Promise<Job | undefined> {
    const job = this.state.jobs.get(p.jobId);
    // Ended between the plan and its commit (cancelled, or settled by a lost attempt's late
    // exit): placed anyway, it ran again.
    if (job?.state !== 'PENDING') return undefined;
    const attempt = job.attempt + 1;
    const assignments: Assignment[] = p.nodes.map((n) => ({ nodeId: n.nodeId, gpuIndices: n.gpuIndices, gpuModel: n.gpuModel, started: false, ended: false }));
    const rank0 = this.state.nodes.get(assignments[0]!.nodeId)!.record;
    const placedHere = placed.get(rank0.id) ?? placed.set(rank0.id, []).get(rank0.id)!;
    const next: Job = {
      ...job,
      state: 'STARTING',
      reason: '',
      attempt,
      attemptId: `${job.id}-a${attempt}`,
      assignments,
      placedOn: [...new Set([...(job.placedOn ?? []), ...assignments.map((a) => a.nodeId)])],
      powerLimitW: p.powerLimitW,
      allocatedFacilityW: p.facilityW,
      limitHistory: withLimit(job.limitHistory, { at: this.state.now(), limitW: p.powerLimitW, why: 'placed' }),
      // Only attempts live on rank 0's node hold a port there: those of the state (not every
      // job ever stored, per placement) and those this commit placed there (not all it placed:
      // copying those per placement cost an array's first pass O(placements²)).
      rendezvous: chooseRendezvous(rank0, [...this.state.jobsOn(rank0.id), ...placedHere], this.state.site.rendezvousPorts),
    };
    placedHere.push(next);
    await this.state.store(next);
    return next;
  }

  /** Fair share's view of the teams with work now: what `wattpack shares` shows. */
  shares(): ShareStanding[] {
    const pending = [...this.state.jobs.values()].filter((j) => j.state === 'PENDING');
    return new FairShare(this.state.snapshot(), pending.map((j) => toQueued(j, this.state.site)), this.policy()).standing();
  }

  /** The wattpack policy with this site's settings (wattpack-static when right-sizing is off). */
  private policy(): Policy {
    const { site } = this.state;
    const policy = policyFromSite(site.rightSizing.enabled ? 'wattpack' : 'wattpack-static', site, { history: this.state.history });
    if (!policy.powerSaving) return policy;
    // A server without a BMC is never powered off (nothing could power it on), nor one whose power-off just failed.
    const excludeNodes = new Set(policy.powerSaving.excludeNodes);
    for (const id of this.state.nodes.keys()) if (!this.power.mayPowerOff(id)) excludeNodes.add(id);
    return { ...policy, powerSaving: { ...policy.powerSaving, excludeNodes } };
  }
}

/** The limit history with one more change, keeping the last LIMIT_HISTORY. */
function withLimit(history: readonly LimitChange[] | undefined, change: LimitChange): LimitChange[] {
  return [...(history ?? []), change].slice(-LIMIT_HISTORY);
}
