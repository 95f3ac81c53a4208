import { isTerminal, type Job, type NodeReport } from '@wattpack/common/daemon';
import type { WaitCode } from '../core/snapshot.js';
import type { PassRecord } from '../loop/cycle.js';
import { attemptDrawW, type RegistrationResult } from '../loop/reports.js';
import type { Scheduler } from '../loop/scheduler.js';
import { holdsResources } from '../state/job-transitions.js';

/** Why a job waits, as metrics and the dashboard group it: the core's code, or `queued` before a pass has seen it. */
export type PendingReason = WaitCode | 'queued';

export interface JobWatchListener {
  /** A packing pass ran. */
  pass?(record: PassRecord): void;
  /** A job changed state or attempt (before: undefined when just submitted). energyJ: measured GPU energy so far. */
  transition?(before: Job | undefined, after: Job, energyJ: number): void;
  /** Measured GPU energy a report added to a job (from the loop's usage meter). */
  energy?(job: Job, joules: number): void;
  /** A job's GPUs' draw now: each of its nodes' latest report, summed (W). */
  draw?(job: Job, drawW: number): void;
  /** A node's report was applied (its timestampMs is when the agent sampled it). */
  report?(nodeId: string, report: NodeReport): void;
  /** A registration was stored, or skipped as its agent had given up on it. */
  registration?(nodeId: string, result: RegistrationResult): void;
}

interface LiveJob {
  job: Job;
  energyJ: number;
  /** The attempt's metered GPU Wh when last read, and each node's latest draw. */
  meteredWh: number;
  drawW: Map<string, number>;
}

/**
 * Watches the live loop's changes for the observers (lifecycle log, metrics, dashboard):
 * turns stored jobs into transitions, follows each job's measured energy (the loop's usage
 * meter, the one integration of agents' draw, read after each report) and draw, and keeps
 * why each pending job waits (the last pass's codes). Keeps only jobs still alive.
 */
export class JobWatch {
  private readonly live = new Map<string, LiveJob>();
  private readonly listeners: JobWatchListener[] = [];
  /** The core's code for each job the last pass left waiting. */
  private waitCodes = new Map<string, WaitCode>();
  private readonly onJob = (job: Job) => this.job(job);
  private readonly onReport = (nodeId: string, report: NodeReport) => this.report(nodeId, report);
  private readonly onRegistration = (nodeId: string, result: RegistrationResult) => {
    for (const l of this.listeners) l.registration?.(nodeId, result);
  };
  private readonly onPass = (record: PassRecord) => {
    this.waitCodes = new Map(record.waiting.map((w) => [w.jobId, w.code]));
    for (const l of this.listeners) l.pass?.(record);
  };

  constructor(private readonly scheduler: Scheduler) {
    for (const job of scheduler.listJobs()) if (!isTerminal(job.state) || holdsResources(job)) this.live.set(job.id, fresh(job));
    scheduler.changes.on('job', this.onJob);
    scheduler.changes.on('report', this.onReport);
    scheduler.changes.on('pass', this.onPass);
    scheduler.changes.on('registration', this.onRegistration);
  }

  /** Why a pending job waits, by the last pass. */
  pendingReason(jobId: string): PendingReason {
    return this.waitCodes.get(jobId) ?? 'queued';
  }

  listen(listener: JobWatchListener): void {
    this.listeners.push(listener);
  }

  close(): void {
    this.scheduler.changes.off('job', this.onJob);
    this.scheduler.changes.off('report', this.onReport);
    this.scheduler.changes.off('pass', this.onPass);
    this.scheduler.changes.off('registration', this.onRegistration);
  }

  private job(after: Job): void {
    const entry = this.live.get(after.id);
    const before = entry?.job;
    // A job already ended before this watch began (stored again as its last parts exit).
    if (!entry && isTerminal(after.state)) return;
    const energyJ = entry?.energyJ ?? 0;
    if (!isTerminal(after.state) || holdsResources(after)) {
      // A new attempt meters from zero.
      const next = entry && entry.job.attemptId === after.attemptId ? { ...entry, job: after } : { ...fresh(after), energyJ };
      this.live.set(after.id, next);
    } else this.live.delete(after.id);
    if (before && before.state === after.state && before.attempt === after.attempt) return;
    for (const l of this.listeners) l.transition?.(before, after, energyJ);
  }

  private report(nodeId: string, report: NodeReport): void {
    for (const l of this.listeners) l.report?.(nodeId, report);
    for (const a of report.attempts) {
      const entry = this.live.get(a.jobId);
      // A node speaks only for the attempts placed on it.
      if (!entry || entry.job.attemptId !== a.attemptId || !entry.job.assignments.some((p) => p.nodeId === nodeId)) continue;
      const drawW = attemptDrawW(report, a.gpuIndices);
      if (drawW !== undefined) {
        entry.drawW.set(nodeId, drawW);
        let total = 0;
        for (const w of entry.drawW.values()) total += w;
        for (const l of this.listeners) l.draw?.(entry.job, total);
      }
      const usage = this.scheduler.usageSoFar(a.jobId);
      if (!usage || usage.attemptId !== a.attemptId) continue;
      const wh = usage.gpuKwh * 1000;
      const joules = (wh - entry.meteredWh) * 3600;
      entry.meteredWh = wh;
      if (joules <= 0) continue;
      entry.energyJ += joules;
      for (const l of this.listeners) l.energy?.(entry.job, joules);
    }
  }
}

const fresh = (job: Job): LiveJob => ({ job, energyJ: 0, meteredWh: 0, drawW: new Map() });
