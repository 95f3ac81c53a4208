import { costOf, type Job, type SiteConfig, type UsageRecord } from '@wattpack/common/daemon';
import type { UsageMeter } from '../core/usage-meter.js';
import { facilityOf, hostShareW } from '../core/watts.js';
import { holdsResources } from '../state/job-transitions.js';

const HOUR_MS = 3_600_000;

/** An attempt ends when its job stops holding GPUs: it finished, or it goes back to the queue. */
export const attemptEnded = (before: Job | undefined, after: Job): before is Job => before !== undefined && holdsResources(before) && !holdsResources(after);

export interface RecordInput {
  /** The job while the attempt held its GPUs, and as it is once they are free. */
  before: Job;
  after: Job;
  endedAt: number;
  /** Undefined when no report measured the attempt (it never started, or no report came since a restart). */
  meter: UsageMeter | undefined;
  /** A node's busy host watts and GPU count (undefined: a node the scheduler no longer knows). */
  host: (nodeId: string) => { busyW: number; gpus: number } | undefined;
  site: SiteConfig;
  /** What a requeued attempt loses at most: the interval between checkpoints (the policy's). */
  checkpointIntervalS: number;
}

/** The accounting record of an attempt that ended (docs/accounting.md says what each figure means). */
export function usageRecord({ before, after, endedAt, meter, host, site, checkpointIntervalS }: RecordInput): UsageRecord {
  const parts = before.assignments;
  const starts = parts.flatMap((p) => (p.startedAt !== undefined ? [p.startedAt] : []));
  const startedAt = Math.min(endedAt, ...starts);
  const hours = Math.max(0, endedAt - startedAt) / HOUR_MS;
  const gpus = parts.reduce((n, p) => n + p.gpuIndices.length, 0);
  const gpuHours = gpus * hours;
  const measured = meter?.finish(endedAt) ?? { gpuWh: 0, meanW: 0, peakW: 0, measuredS: 0 };
  let hostWh = 0;
  for (const p of parts) {
    const h = host(p.nodeId);
    if (h) hostWh += hostShareW(h.busyW, p.gpuIndices.length, h.gpus) * hours;
  }
  const facilityKwh = facilityOf(site.pue, measured.gpuWh + hostWh) / 1000;
  const requeued = after.state === 'PENDING';
  // This attempt's limits: from its placement on.
  const history = before.limitHistory ?? [];
  const placed = history.findLastIndex((c) => c.why === 'placed');
  const limits = placed >= 0 ? history.slice(placed).map((c) => c.limitW) : [before.powerLimitW];
  return {
    attemptId: before.attemptId,
    jobId: before.id,
    attempt: before.attempt,
    jobName: before.spec.name,
    user: before.owner,
    team: before.spec.team,
    nodes: parts.map((p) => p.nodeId),
    gpus,
    gpuModel: parts[0]?.gpuModel ?? '',
    startedAt,
    endedAt,
    state: requeued ? 'REQUEUED' : (after.state as UsageRecord['state']),
    reason: after.reason.slice(0, 2000),
    ...(!requeued && after.exitCode !== undefined ? { exitCode: after.exitCode } : {}),
    gpuHours,
    gpuKwh: measured.gpuWh / 1000,
    hostKwh: hostWh / 1000,
    facilityKwh,
    meanW: measured.meanW,
    peakW: measured.peakW,
    measuredS: measured.measuredS,
    limits: { minW: Math.min(...limits), maxW: Math.max(...limits), changes: limits.length - 1 },
    preempted: requeued,
    workLostGpuHours: requeued ? gpus * Math.min(hours, checkpointIntervalS / 3600) : 0,
    cost: costOf(site.prices, facilityKwh, gpuHours),
  };
}
