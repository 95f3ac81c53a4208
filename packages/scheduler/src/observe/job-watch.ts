import { isTerminal, type Job, type NodeReport } from '@wattpack/common';
import type { Scheduler } from '../loop/scheduler.js';
import { holdsResources } from '../state/job-transitions.js';

/** A gap between two reports of a node longer than this is unknown draw, not energy. */
const MAX_REPORT_GAP_MS = 10_000;

export interface JobWatchListener {
  /** A job changed state or attempt (before: undefined when just submitted). energyJ: measured GPU energy so far. */
  transition?(before: Job | undefined, after: Job, energyJ: number): void;
  /** Measured GPU energy one report added to a job, over `seconds` since the node's previous report. */
  energy?(job: Job, joules: number, seconds: number): void;
}

/**
 * Watches the live loop's changes for the observers (lifecycle log, metrics): turns stored
 * jobs into transitions, and integrates each job's measured GPU draw (agents' reports, W ×
 * the time since the node's previous report) into energy. Keeps only jobs still alive.
 */
export class JobWatch {
  private readonly live = new Map<string, { job: Job; energyJ: number }>();
  private readonly lastReportAt = new Map<string, number>();
  private readonly listeners: JobWatchListener[] = [];
  private readonly onJob = (job: Job) => this.job(job);
  private readonly onReport = (nodeId: string, report: NodeReport) => this.report(nodeId, report);

  constructor(private readonly scheduler: Scheduler) {
    for (const job of scheduler.listJobs()) if (!isTerminal(job.state) || holdsResources(job)) this.live.set(job.id, { job, energyJ: 0 });
    scheduler.changes.on('job', this.onJob);
    scheduler.changes.on('report', this.onReport);
  }

  listen(listener: JobWatchListener): void {
    this.listeners.push(listener);
  }

  close(): void {
    this.scheduler.changes.off('job', this.onJob);
    this.scheduler.changes.off('report', this.onReport);
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
