/**
 * What the benchmarks and the soak read about a process and a Prometheus endpoint:
 * CPU time and memory from /proc (Linux), histogram quantiles from /metrics text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseMetrics } from '../e2e/prometheus-text.js';

/** Linux reports CPU time in clock ticks; USER_HZ is 100 on every architecture Node runs on. */
const TICKS_PER_S = 100;

/** /proc/<pid>/stat (or a thread's, /proc/<pid>/task/<tid>/stat) from field 3 on: the command name (field 2) may hold spaces, so count after its closing parenthesis. */
function statFields(pid: number, tid?: number): string[] {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

const cpuOf = (fields: string[]): number => (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;

/** A process's CPU seconds so far (user + system, /proc/<pid>/stat fields 14 and 15). */
export const cpuSeconds = (pid: number): number => cpuOf(statFields(pid));

/**
 * The CPU seconds of a process's main thread alone (its thread id is its pid): a Node
 * process's event loop, without its worker threads' and V8's background compiling.
 */
export const mainThreadCpuSeconds = (pid: number): number => cpuOf(statFields(pid, pid));

/** CPU seconds of the children a process has reaped (fields 16 and 17): an agent's jobs. */
export function reapedCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_S;
}

/** The pids of a process's children now (/proc/<pid>/task/<tid>/children, every thread's). */
export function childPids(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
}

/** Resident memory now (VmRSS) and its peak (VmHWM), MB. */
export function memoryMb(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

/** Share of one core a process used between two readings of cpuSeconds, percent. */
export function cpuPercent(before: number, after: number, wallS: number): number {
  return Math.round(((after - before) / wallS) * 1000) / 10;
}

export type Buckets = Map<number, number>;

/** An unlabelled histogram's cumulative bucket counts (le → count) in Prometheus text; empty before its first observation. */
export function histogramBuckets(metricsText: string, name: string): Buckets {
  return parseMetrics(metricsText).get(name)?.samples[0]?.buckets ?? new Map();
}

/**
 * The q-quantile of what a histogram observed between two scrapes: the upper bound of the
 * bucket it falls in (as Prometheus' histogram_quantile, without interpolating).
 */
export function quantileBetween(before: Buckets, after: Buckets, q: number): { le: number; count: number } {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const count = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  for (const le of bounds) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= q * count) return { le, count };
  }
  return { le: Infinity, count };
}

/** Least-squares slope of y over x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
}

/**
 * A Node process's V8 heap from its /metrics text (prom-client's default metrics), MB: in
 * use (live objects and garbage not yet collected), reserved, and memory outside it that
 * JS objects hold (buffers). NaN where the text lacks one.
 */
export function heapFromMetrics(text: string): { heapMb: number; heapTotalMb: number; externalMb: number } {
  const metrics = parseMetrics(text);
  const mb = (name: string) => Math.round((metrics.get(name)?.samples[0]?.value ?? NaN) / 2 ** 20);
  return { heapMb: mb('nodejs_heap_size_used_bytes'), heapTotalMb: mb('nodejs_heap_size_total_bytes'), externalMb: mb('nodejs_external_memory_bytes') };
}
