import { formatDuration } from '@wattpack/common';
import { percentile } from '@wattpack/scheduler/core';
import type { EngineStats } from './engine.js';
import type { GridEventStats } from './event-metrics.js';
import type { SeriesPoint } from './series.js';
import type { SiteFile } from './site-file.js';

/** One simulation run: the JSON `wattpack sim --json` prints (the series goes to --out only). */
export interface SimResult {
  policy: string;
  site: string;
  trace: string;
  /** Jobs finished; and submitted, and those still queued or running at the end. */
  jobs: number;
  submitted: number;
  unfinished: number;
  /** Job completion time (finish − submit) and queueing delay (JCT − time running), s. */
  meanJctS: number;
  p50JctS: number;
  p99JctS: number;
  meanWaitS: number;
  p50WaitS: number;
  p99WaitS: number;
  /** From the first submit to the last completion (or --until), s. */
  makespanS: number;
  /** Busy GPU-time / (GPUs × makespan). */
  gpuUtil: number;
  meanFacilityMw: number;
  peakFacilityMw: number;
  /** The cap (time-weighted mean, with grid events). */
  meanCapMw: number;
  /** Mean of facility W / cap over the time at least one job waits (0 when none ever waits). */
  capUseWhileWaiting: number;
  /** Times the facility went over the cap (each excursion once), and their total length. */
  capViolations: number;
  capViolationS: number;
  rampExcursions?: number;
  /** Energy the facility drew (busy GPUs draw min(limit, their demand)), and energy at the limits it allocated. */
  energyMwh: number;
  allocatedMwh: number;
  energyCostUsd: number;
  /** Useful GPU-hours per MWh drawn, and per MWh allocated. */
  usefulGpuHPerMwh: number;
  usefulGpuHPerAllocatedMwh: number;
  /** Facility watts right-sizing took back from limits (time-weighted mean), and the placements that needed them. */
  reclaimedMw: number;
  jobsAdmittedByReclaim: number;
  /** GPU-hours weighted by relative throughput (full-power equivalent), less work lost to preemption. */
  usefulWorkGpuH: number;
  lostWorkGpuH: number;
  miningRevenueUsd: number;
  aiRevenueUsd: number;
  /** Jain's index over teams of their service rate (see sim/README.md). */
  jainFairness: number;
  teams: number;
  placements: number;
  preemptions: number;
  powerChanges: number;
  planPasses: number;
  loadScale: number;
  cycleS: number;
  untilS?: number;
  /** Per grid event: target, time to target, seconds over it, weighted job performance. */
  gridEvents?: GridEventStats[];
  /** Power saving: servers powered off and on, and node-hours off and booting. */
  powerSaving?: { suspends: number; resumes: number; offNodeH: number; bootingNodeH: number };
  /** Simulation wall time, s. */
  wallS: number;
}


const mean = (xs: Float64Array) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Jain's fairness index: (Σx)² / (n Σx²); 1 when all are equal (and when there is at most one). */
export function jain(xs: readonly number[]): number {
  if (xs.length === 0) return 1;
  const sum = xs.reduce((a, b) => a + b, 0);
  const sq = xs.reduce((a, b) => a + b * b, 0);
  return sq === 0 ? 1 : (sum * sum) / (xs.length * sq);
}

const round = (x: number, digits: number) => {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
};

export interface ResultMeta {
  policy: string;
  site: SiteFile;
  trace: string;
  loadScale: number;
  cycleS: number;
  untilS?: number;
  wallS: number;
}

export function buildResult(stats: EngineStats, meta: ResultMeta): SimResult {
  const rates = [...stats.teams.values()].filter((t) => t.inSystemGpuS > 0).map((t) => t.usefulGpuS / t.inSystemGpuS);
  // Spread in this order so the JSON keys keep the order readers and diffs of results expect.
  const result: SimResult = {
    policy: meta.policy,
    site: meta.site.name,
    trace: meta.trace,
    ...jobTimes(stats),
    ...powerAndEnergy(stats, meta),
    jainFairness: round(jain(rates), 4),
    teams: rates.length,
    placements: stats.placements,
    preemptions: stats.preemptions,
    powerChanges: stats.powerChanges,
    planPasses: stats.planPasses,
    loadScale: meta.loadScale,
    cycleS: meta.cycleS,
    wallS: round(meta.wallS, 2),
  };
  addOptionalSections(result, stats, meta);
  return result;
}

/** Jobs counted, and their completion and queueing times. */
function jobTimes(stats: EngineStats) {
  const jct = Float64Array.from(stats.jctS).sort();
  const wait = Float64Array.from(stats.waitS).sort();
  return {
    jobs: stats.finished,
    submitted: stats.submitted,
    unfinished: stats.unfinished,
    meanJctS: round(mean(jct), 1),
    p50JctS: round(percentile(jct, 0.5), 1),
    p99JctS: round(percentile(jct, 0.99), 1),
    meanWaitS: round(mean(wait), 1),
    p50WaitS: round(percentile(wait, 0.5), 1),
    p99WaitS: round(percentile(wait, 0.99), 1),
    makespanS: round(stats.endS, 1),
  };
}

/** Utilization, power against the cap, energy, work per MWh and revenue. */
function powerAndEnergy(stats: EngineStats, meta: ResultMeta) {
  const span = stats.endS;
  const prices = meta.site.site.prices;
  const hashprice = meta.site.miners?.hashpriceUsdPerThDay ?? 0;
  const energyMwh = stats.drawnJ / 3.6e9;
  const allocatedMwh = stats.energyJ / 3.6e9;
  const usefulGpuH = stats.usefulGpuS / 3600;
  return {
    gpuUtil: round(span > 0 && stats.totalGpus > 0 ? stats.busyGpuS / (stats.totalGpus * span) : 0, 4),
    meanFacilityMw: round(span > 0 ? stats.energyJ / span / 1e6 : 0, 4),
    peakFacilityMw: round(stats.peakFacilityW / 1e6, 4),
    meanCapMw: round(span > 0 ? stats.capIntegralWs / span / 1e6 : meta.site.site.capMw, 4),
    capUseWhileWaiting: round(stats.waitingS > 0 ? stats.capUseWhileWaitingS / stats.waitingS : 0, 4),
    capViolations: stats.capViolations,
    capViolationS: round(stats.capViolationS, 1),
    energyMwh: round(energyMwh, 3),
    allocatedMwh: round(allocatedMwh, 3),
    energyCostUsd: round(energyMwh * prices.energyPerMwh, 2),
    usefulGpuHPerMwh: round(energyMwh > 0 ? usefulGpuH / energyMwh : 0, 2),
    usefulGpuHPerAllocatedMwh: round(allocatedMwh > 0 ? usefulGpuH / allocatedMwh : 0, 2),
    reclaimedMw: round(span > 0 ? stats.reclaimedWs / span / 1e6 : 0, 4),
    jobsAdmittedByReclaim: stats.jobsAdmittedByReclaim,
    usefulWorkGpuH: round(usefulGpuH, 2),
    lostWorkGpuH: round(stats.lostGpuS / 3600, 2),
    miningRevenueUsd: round((stats.minedThS / 86400) * hashprice, 2),
    aiRevenueUsd: round(usefulGpuH * prices.gpuHour, 2),
  };
}

/** Sections only some runs have: ramp limits, a bounded run, grid events, power saving. */
function addOptionalSections(result: SimResult, stats: EngineStats, meta: ResultMeta): void {
  if (meta.site.site.rampMwPerMin !== undefined) result.rampExcursions = stats.rampExcursions;
  if (meta.untilS !== undefined && Number.isFinite(meta.untilS)) result.untilS = meta.untilS;
  if (stats.gridEvents.length > 0) result.gridEvents = stats.gridEvents;
  if (stats.powerSaving) {
    const p = stats.powerSaving;
    result.powerSaving = { suspends: p.suspends, resumes: p.resumes, offNodeH: round(p.offNodeS / 3600, 1), bootingNodeH: round(p.bootingNodeS / 3600, 1) };
  }
}

const usd = (x: number) => `$${Math.round(x).toLocaleString('en-US')}`;
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** The result for people: a few aligned lines. */
export function summaryText(r: SimResult): string {
  const rows: [string, string][] = [
    ['jobs', `${r.jobs.toLocaleString('en-US')} finished of ${r.submitted.toLocaleString('en-US')}${r.unfinished ? ` (${r.unfinished} unfinished)` : ''}`],
    ['JCT', `mean ${formatDuration(r.meanJctS)}, p50 ${formatDuration(r.p50JctS)}, p99 ${formatDuration(r.p99JctS)}`],
    ['queueing delay', `mean ${formatDuration(r.meanWaitS)}, p50 ${formatDuration(r.p50WaitS)}, p99 ${formatDuration(r.p99WaitS)}`],
    ['makespan', `${formatDuration(r.makespanS)} (${(r.makespanS / 86400).toFixed(1)} days)`],
    ['GPU utilization', pct(r.gpuUtil)],
    ['facility power', `mean ${r.meanFacilityMw.toFixed(3)} MW, peak ${r.peakFacilityMw.toFixed(3)} MW, cap ${r.meanCapMw.toFixed(3)} MW (mean)`],
    ['cap in use while jobs wait', pct(r.capUseWhileWaiting)],
    ['cap violations', `${r.capViolations}${r.capViolations ? ` (${formatDuration(r.capViolationS)} over)` : ''}`],
    ['energy', `${r.energyMwh.toFixed(1)} MWh drawn (${usd(r.energyCostUsd)}), ${r.allocatedMwh.toFixed(1)} MWh at the allocated limits`],
    ['useful work', `${Math.round(r.usefulWorkGpuH).toLocaleString('en-US')} GPU-h (${Math.round(r.lostWorkGpuH).toLocaleString('en-US')} lost to preemption)`],
    ['useful work per MWh', `${r.usefulGpuHPerMwh.toFixed(1)} GPU-h drawn, ${r.usefulGpuHPerAllocatedMwh.toFixed(1)} GPU-h allocated`],
    ['right-sizing', `${r.reclaimedMw.toFixed(3)} MW reclaimed (mean), ${r.jobsAdmittedByReclaim} jobs admitted by it`],
    ['revenue', `AI ${usd(r.aiRevenueUsd)}, mining ${usd(r.miningRevenueUsd)}`],
    ['fairness (Jain, teams)', `${r.jainFairness.toFixed(3)} over ${r.teams} team(s)`],
    ['scheduler', `${r.placements} placements, ${r.preemptions} preemptions, ${r.powerChanges} limit changes, ${r.planPasses} passes`],
    ['wall time', `${r.wallS.toFixed(2)} s`],
  ];
  if (r.rampExcursions !== undefined) rows.splice(8, 0, ['ramp excursions', String(r.rampExcursions)]);
  if (r.powerSaving) {
    const p = r.powerSaving;
    rows.push(['power saving', `${p.suspends} servers powered off, ${p.resumes} on; ${p.offNodeH.toLocaleString('en-US')} node-h off, ${p.bootingNodeH.toLocaleString('en-US')} booting`]);
  }
  for (const e of r.gridEvents ?? []) rows.push(['grid event', gridEventText(e)]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return [`${r.policy} on ${r.site}, trace ${r.trace}${r.loadScale !== 1 ? ` ×${r.loadScale} load` : ''}${r.untilS !== undefined ? `, until ${formatDuration(r.untilS)}` : ''}`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n');
}

/** One grid event on one line: when, the target, how it was met, and what jobs kept. */
function gridEventText(e: GridEventStats): string {
  const cut = e.reducePct !== undefined ? ` (-${e.reducePct} % of ${e.baselineMw!.toFixed(3)} MW drawn)` : '';
  const reached = e.timeToTargetS === null ? 'target never reached' : `target in ${formatDuration(e.timeToTargetS)}`;
  const classes = Object.entries(e.byFlex)
    .map(([c, v]) => `flex ${c} ${v.performance.toFixed(3)}`)
    .join(', ');
  return `${formatDuration(e.startS)}-${formatDuration(e.endS)} to ${e.targetMw.toFixed(3)} MW${cut}: ${reached}, ${formatDuration(e.violationS)} over, mean ${e.meanFacilityMw.toFixed(3)} MW, ${e.limitHeadroomMw.toFixed(3)} MW in limits when announced; weighted job performance ${e.performance.toFixed(3)} over ${e.jobs} jobs (${e.gpus} GPUs; ${classes}), ${e.heldAtStart.performance.toFixed(3)} over the ${e.heldAtStart.jobs} that held GPUs at its start`;
}

/** The series as CSV (t in seconds). */
export function seriesCsv(points: readonly SeriesPoint[]): string {
  const lines = ['t_s,gpu_servers_mw,miners_mw,cap_mw,queued'];
  for (const p of points) lines.push([p.tS, p.gpuServersMw.toFixed(4), p.minersMw.toFixed(4), p.capMw.toFixed(4), p.queued.toFixed(2)].join(','));
  return `${lines.join('\n')}\n`;
}
