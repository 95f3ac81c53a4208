import { LIMIT_HISTORY, isTerminal, type Assignment, type Job, type LimitChange } from '@wattpack/common';
import { plan } from '../core/plan.js';
import type { Policy } from '../core/policy.js';
import { policyFromSite } from '../core/policy-from-site.js';
import type { LimitReason, Placement, Plan } from '../core/snapshot.js';
import { toQueued } from '../state/snapshot-builder.js';
import type { Commands } from './commands.js';
import { throttleArrays, throttledReason } from './array-throttle.js';
import type { LoopState } from './state.js';

/** How soon to look again while miners curtail or limits come down. */
const FREEING_RECHECK_MS = 500;

/**
 * One packing pass: snapshot -> plan (the pure core) -> commit (store) -> dispatch
 * (commands). Passes run in the serial queue, so the plan is committed against the very
 * state it was computed from; bursts of triggers coalesce into one pass.
 */
export class Cycle {
  private lastPass: { fromW: number; atMs: number } | undefined;
  private requested = false;
  private stopped = false;

  constructor(
    private readonly state: LoopState,
    private readonly commands: Commands,
  ) {}

  stop(): void {
    this.stopped = true;
  }

  /** Coalesces triggers: many submits or events in a burst cause one pass. */
  request(afterMs = 0): void {
    if (this.requested || this.stopped) return;
    this.requested = true;
    const go = () => {
      this.requested = false;
      this.state.serial.run(() => this.pass()).catch((err) => this.state.log.error({ err }, 'scheduling cycle failed'));
    };
    if (afterMs > 0) setTimeout(go, afterMs).unref();
    else setImmediate(go);
  }

  /**
   * snapshot -> plan -> commit -> dispatch. Runs inside the serial queue. Watts freed by
   * curtailing miners or lowering limits are used only once the next pass sees them
   * freed (miners by their telemetry), so the cap holds while commands are in flight.
   */
  private async pass(): Promise<Plan | undefined> {
    if (this.stopped) return undefined;
    const { admitted: pending, held } = throttleArrays(
      [...this.state.jobs.values()].filter((j) => j.state === 'PENDING'),
      (id) => this.state.arrayTasks(id) ?? [],
    );
    const snapshot = this.state.snapshot();
    const result = plan({ ...snapshot, ...(this.lastPass ? { ramp: this.lastPass } : {}) }, pending.map(toQueued), this.policy());
    this.lastPass = { fromW: result.allocatedW, atMs: snapshot.now };

    await Promise.all(result.preemptions.map((p) => this.preempt(p.jobId, p.reason)));
    await Promise.all(result.powerChanges.map((c) => this.changeLimit(c.jobId, c.powerLimitW, c.why)));
    await this.commands.commandMiners(result.curtail, 'curtail');
    await this.commands.commandMiners(result.resume, 'resume');

    // The core already waits for lower GPU limits to be enforced; miners' watts it counts
    // at once, so placements wait for the next pass, which sees them curtailed.
    if (result.curtail.length > 0 && result.placements.length > 0) {
      const why = `power: waiting for ${result.curtail.length} miner(s) to curtail`;
      await Promise.all(result.placements.map((p) => this.setReason(p.jobId, why)));
      this.request(FREEING_RECHECK_MS);
    } else {
      const placed = await Promise.all(result.placements.map((p) => this.commitPlacement(p)));
      await Promise.all(placed.map((job) => this.commands.dispatchStarts(job)));
    }
    await Promise.all(result.waiting.map((w) => this.setReason(w.jobId, w.reason)));
    await Promise.all(held.map((j) => this.setReason(j.id, throttledReason(j))));
    this.logPass(result);
    return result;
  }

  private logPass(result: Plan): void {
    if (result.placements.length + result.preemptions.length + result.curtail.length + result.resume.length === 0) return;
    this.state.log.info(
      {
        placed: result.placements.length,
        waiting: result.waiting.length,
        preempted: result.preemptions.length,
        curtail: result.curtail.length,
        resume: result.resume.length,
        allocatedMw: +(result.allocatedW / 1e6).toFixed(3),
      },
      'cycle',
    );
  }

  private async setReason(jobId: string, reason: string): Promise<void> {
    const job = this.state.jobs.get(jobId);
    if (job && job.state === 'PENDING' && job.reason !== reason) await this.state.store({ ...job, reason });
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
      allocatedFacilityW: job.allocatedFacilityW + this.state.site.pue * gpus * (powerLimitW - job.powerLimitW),
      limitHistory: withLimit(job.limitHistory, { at: this.state.now(), limitW: powerLimitW, why }),
    };
    await this.state.store(next);
    await this.commands.setPower(job, powerLimitW);
  }

  private async commitPlacement(p: Placement): Promise<Job> {
    const job = this.state.jobs.get(p.jobId)!;
    const attempt = job.attempt + 1;
    const assignments: Assignment[] = p.nodes.map((n) => ({ nodeId: n.nodeId, gpuIndices: n.gpuIndices, gpuModel: n.gpuModel, started: false, ended: false }));
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
    };
    await this.state.store(next);
    return next;
  }

  /** The wattpack policy with this site's settings (wattpack-static when right-sizing is off). */
  private policy(): Policy {
    const { site } = this.state;
    const { enabled, marginFraction, minMarginW, heldFraction } = site.rightSizing;
    return policyFromSite(enabled ? 'wattpack' : 'wattpack-static', {
      teams: site.teams,
      defaultRuntimeS: site.defaultRuntime,
      curves: site.curves,
      ...(site.rampMwPerMin !== undefined ? { rampMwPerMin: site.rampMwPerMin } : {}),
      rightSizing: { marginFraction, minMarginW, heldFraction },
    });
  }
}

/** The limit history with one more change, keeping the last LIMIT_HISTORY. */
function withLimit(history: readonly LimitChange[] | undefined, change: LimitChange): LimitChange[] {
  return [...(history ?? []), change].slice(-LIMIT_HISTORY);
}
