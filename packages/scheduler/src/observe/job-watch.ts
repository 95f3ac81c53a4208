import { isTerminal, type Job, type NodeReport } from '@wattpack/common';
import type { WaitCode } from '../core/snapshot.js';
import type { PassRecord } from '../loop/cycle.js';
import type { Scheduler } from '../loop/scheduler.js';
import { holdsResources } from '../state/job-transitions.js';

/** A gap between two reports of a node longer than this is unknown draw, not energy. */
const MAX_REPORT_GAP_MS = 10_000;

/** Why a job waits, as metrics and the dashboard group it: the core's code, or `queued` before a pass has seen it. */
export type PendingReason = WaitCode | 'queued';

export interface JobWatchListener {
  /** A packing pass ran. */
  pass?(record: PassRecord): void;
  /** A job changed state or attempt (before: undefined when just submitted). energyJ: measured GPU energy so far. */
  transition?(before: Job | undefined, after: Job, energyJ: number): void;
  /** Measured GPU energy one report added to a job, over `seconds` since the node's previous report. */
  energy?(job: Job, joules: number, seconds: number): void;
}

/**
 * Watches the live loop's changes for the observers (lifecycle log, metrics, dashboard):
 * turns stored jobs into transitions, integrates each job's measured GPU draw (agents'
 * reports, W × the time since the node's previous report) into energy, and keeps why each
 * pending job waits (the last pass's codes). Keeps only jobs still alive.
 */
export class JobWatch {
  private readonly live = new Map<string, { job: Job; energyJ: number }>();
  private readonly lastReportAt = new Map<string, number>();
  private readonly listeners: JobWatchListener[] = [];
  /** The core's code for each job the last pass left waiting. */
  private waitCodes = new Map<string, WaitCode>();
  private readonly onJob = (job: Job) => this.job(job);
  private readonly onReport = (nodeId: string, report: NodeReport) => this.report(nodeId, report);
  private readonly onPass = (record: PassRecord) => {
    this.waitCodes = new Map(record.waiting.map((w) => [w.jobId, w.code]));
    for (const l of this.listeners) l.pass?.(record);
  };

  constructor(private readonly scheduler: Scheduler) {
    for (const job of scheduler.listJobs()) if (!isTerminal(job.state) || holdsResources(job)) this.live.set(job.id, { job, energyJ: 0 });
    scheduler.changes.on('job', this.onJob);
    scheduler.changes.on('report', this.onReport);
    scheduler.changes.on('pass', this.onPass);
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
  }

  private job(after: Job): void {
    const entry = this.live.get(after.id);
    const before = entry?.job;
    // A job already ended before this watch began (stored again as its last parts exit).
    if (!entry && isTerminal(after.state)) return;
    const energyJ = entry?.energyJ ?? 0;
    if (!isTerminal(after.state) || holdsResources(after)) this.live.set(after.id, { job: after, energyJ });
    else this.live.delete(after.id);
    if (before && before.state === after.state && before.attempt === after.attempt) return;
    for (const l of this.listeners) l.transition?.(before, after, energyJ);
  }

  private report(nodeId: string, report: NodeReport): void {
    const last = this.lastReportAt.get(nodeId);
    this.lastReportAt.set(nodeId, report.timestampMs);
    if (last === undefined || report.timestampMs <= last || report.timestampMs - last > MAX_REPORT_GAP_MS) return;
    const seconds = (report.timestampMs - last) / 1000;
    const drawW = new Map(report.gpus.map((g) => [g.index, g.powerDrawW ?? 0]));
    for (const a of report.attempts) {
      const entry = this.live.get(a.jobId);
      // A node speaks only for the attempts placed on it.
      if (!entry || entry.job.attemptId !== a.attemptId || !entry.job.assignments.some((p) => p.nodeId === nodeId)) continue;
      const joules = a.gpuIndices.reduce((sum, i) => sum + (drawW.get(i) ?? 0), 0) * seconds;
      entry.energyJ += joules;
      for (const l of this.listeners) l.energy?.(entry.job, joules, seconds);
    }
  }
}
