import { stringify } from 'csv-stringify/sync';
import { formatDuration } from '@wattpack/common/core';
import type { ListSharesResponse__Output } from '@wattpack/common/proto/ListSharesResponse';
import type { UsageRecord__Output } from '@wattpack/common/proto/UsageRecord';
import type { UsageRow__Output } from '@wattpack/common/proto/UsageRow';
import { renderFields, renderTable } from './table.js';
import { listSome, timestamp, watts } from './units.js';

/** Views of accounting: history (like sacct), usage (like sreport), shares (like sshare), a job's usage. */

const num = (n: number, digits: number): string => n.toFixed(digits);
const elapsed = (r: UsageRecord__Output): string => formatDuration((Number(r.endedAtMs) - Number(r.startedAtMs)) / 1000);
const money = (n: number, currency: string): string => `${n.toFixed(2)} ${currency}`;
const limits = (r: UsageRecord__Output): string => (r.limitMinW === r.limitMaxW ? watts(r.limitMinW) : `${watts(r.limitMinW)}-${watts(r.limitMaxW)}`) + (r.limitChanges ? ` (${r.limitChanges} changes)` : '');

/** Every column, in order; the default table shows the first ones, wide and csv all. */
const HISTORY: { header: string; cell: (r: UsageRecord__Output) => string; wide?: true; maxWidth?: number }[] = [
  { header: 'JOB', cell: (r) => r.jobId },
  { header: 'ATTEMPT', cell: (r) => String(r.attempt) },
  { header: 'USER', cell: (r) => r.user },
  { header: 'TEAM', cell: (r) => r.team },
  { header: 'STATE', cell: (r) => r.state },
  { header: 'NODES', cell: (r) => listSome(r.nodes, 3) },
  { header: 'GPUS', cell: (r) => String(r.gpus) },
  { header: 'START', cell: (r) => timestamp(Number(r.startedAtMs)) },
  { header: 'END', cell: (r) => timestamp(Number(r.endedAtMs)) },
  { header: 'ELAPSED', cell: elapsed },
  { header: 'GPU-H', cell: (r) => num(r.gpuHours, 2) },
  { header: 'FACILITY KWH', cell: (r) => num(r.facilityKwh, 2) },
  { header: 'COST', cell: (r) => money(r.costTotal, r.currency) },
  { header: 'NAME', cell: (r) => r.jobName, wide: true },
  { header: 'MODEL', cell: (r) => r.gpuModel || '-', wide: true },
  { header: 'GPU KWH', cell: (r) => num(r.gpuKwh, 3), wide: true },
  { header: 'HOST KWH', cell: (r) => num(r.hostKwh, 3), wide: true },
  { header: 'MEAN W', cell: (r) => num(r.meanW, 0), wide: true },
  { header: 'PEAK W', cell: (r) => num(r.peakW, 0), wide: true },
  { header: 'LIMITS', cell: limits, wide: true },
  { header: 'PREEMPTIONS', cell: (r) => String(r.preemptions), wide: true },
  { header: 'LOST GPU-H', cell: (r) => num(r.workLostGpuHours, 2), wide: true },
  { header: 'EXIT', cell: (r) => (r.exitCode !== undefined ? String(r.exitCode) : '-'), wide: true },
  { header: 'REASON', cell: (r) => r.reason || '-', wide: true, maxWidth: 60 },
];

export function historyTable(records: UsageRecord__Output[], wide: boolean): string {
  const cols = HISTORY.filter((c) => wide || !c.wide);
  return renderTable(
    cols.map((c) => ({ header: c.header, ...(c.maxWidth ? { maxWidth: c.maxWidth } : {}) })),
    records.map((r) => cols.map((c) => c.cell(r))),
    'no ended attempts match',
  );
}

/** CSV with full-precision numbers, for spreadsheets and billing. */
export function historyCsv(records: UsageRecord__Output[]): string {
  const fields: [string, (r: UsageRecord__Output) => string | number][] = [
    ['job_id', (r) => r.jobId], ['attempt', (r) => r.attempt], ['attempt_id', (r) => r.attemptId], ['name', (r) => r.jobName],
    ['user', (r) => r.user], ['team', (r) => r.team], ['state', (r) => r.state], ['exit_code', (r) => r.exitCode ?? ''],
    ['reason', (r) => r.reason], ['nodes', (r) => r.nodes.join(' ')], ['gpus', (r) => r.gpus], ['gpu_model', (r) => r.gpuModel],
    ['start', (r) => new Date(Number(r.startedAtMs)).toISOString()], ['end', (r) => new Date(Number(r.endedAtMs)).toISOString()],
    ['gpu_hours', (r) => r.gpuHours], ['gpu_kwh', (r) => r.gpuKwh], ['host_kwh', (r) => r.hostKwh], ['facility_kwh', (r) => r.facilityKwh],
    ['mean_w', (r) => r.meanW], ['peak_w', (r) => r.peakW], ['measured_s', (r) => r.measuredS],
    ['limit_min_w', (r) => r.limitMinW], ['limit_max_w', (r) => r.limitMaxW], ['limit_changes', (r) => r.limitChanges],
    ['preempted', (r) => String(r.preempted)], ['preemptions', (r) => r.preemptions], ['work_lost_gpu_hours', (r) => r.workLostGpuHours],
    ['cost_energy', (r) => r.costEnergy], ['cost_gpu', (r) => r.costGpu], ['cost_total', (r) => r.costTotal], ['currency', (r) => r.currency],
  ];
  return stringify([fields.map(([h]) => h), ...records.map((r) => fields.map(([, f]) => f(r)))]).trimEnd();
}

const GROUP_HEADERS: Record<string, string> = { team: 'TEAM', user: 'USER', day: 'DAY' };

export function usageTable(rows: UsageRow__Output[], groupBy: string[], currency: string): string {
  const key = (r: UsageRow__Output, g: string) => (g === 'team' ? r.team : g === 'user' ? r.user : r.day);
  return renderTable(
    [...groupBy.map((g) => GROUP_HEADERS[g]!), 'ATTEMPTS', 'GPU-H', 'GPU MWH', 'FACILITY MWH', `COST (${currency})`],
    rows.map((r) => [...groupBy.map((g) => key(r, g)), String(r.attempts), num(r.gpuHours, 2), num(r.gpuKwh / 1000, 4), num(r.facilityKwh / 1000, 4), num(r.cost, 2)]),
    'no usage in this window',
  );
}

export function usageCsv(rows: UsageRow__Output[], groupBy: string[], currency: string): string {
  const header = [...groupBy, 'attempts', 'gpu_hours', 'gpu_kwh', 'facility_kwh', 'cost', 'currency'];
  const key = (r: UsageRow__Output, g: string) => (g === 'team' ? r.team : g === 'user' ? r.user : r.day);
  return stringify([header, ...rows.map((r) => [...groupBy.map((g) => key(r, g)), r.attempts, r.gpuHours, r.gpuKwh, r.facilityKwh, r.cost, currency])]).trimEnd();
}

export function sharesTable(res: ListSharesResponse__Output): string {
  const pct = (f: number) => `${(100 * f).toFixed(1)}%`;
  const table = renderTable(
    ['TEAM', 'SHARE GPUS', 'SHARE MW', 'USAGE GPU-H', 'USAGE MWH', 'NORM USAGE', 'FACTOR'],
    res.teams.map((t) => [t.team, pct(t.shareGpus), pct(t.shareW), num(t.usageGpuHours, 2), num(t.usageFacilityKwh / 1000, 4), pct(t.normalizedUsage), num(t.factor, 3)]),
    'no team has work queued or running',
  );
  return `${table}\n(usage decays with a half-life of ${formatDuration(res.decayHalfLifeS)}; factor = 2^(-usage/share), 1 for a team that used nothing)`;
}

/** "Usage" lines under `wattpack job`: each ended attempt, and the running one so far. */
export function jobUsageFields(attempts: UsageRecord__Output[], running: UsageRecord__Output | null | undefined): [string, string][] {
  const line = (r: UsageRecord__Output) =>
    `attempt ${r.attempt} ${r.state}: ${num(r.gpuHours, 2)} GPU-h, ${num(r.gpuKwh, 3)} kWh GPUs + ${num(r.hostKwh, 3)} host = ${num(r.facilityKwh, 3)} kWh facility, ` +
    `mean ${watts(r.meanW)} peak ${watts(r.peakW)}, ${money(r.costTotal, r.currency)}`;
  const lines = [...attempts.map(line), ...(running ? [`${line(running)} (so far)`] : [])];
  return [['Usage', lines.join('\n') || '-']];
}

export const usageFields = (attempts: UsageRecord__Output[], running?: UsageRecord__Output | null): string => renderFields(jobUsageFields(attempts, running));
