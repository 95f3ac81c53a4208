import type { Trace, TraceJob } from './types.js';
import { column, num, parseCsv, rowJob, utcSeconds } from './csv.js';

/**
 * Microsoft Philly 2017 (packages/sim/data/traces/philly-2017.csv): `timestamp` (submit, UTC),
 * `duration` (s), `num_gpus`, `gpu_time`, `cluster`. The virtual cluster becomes the
 * team. The trace names no GPU model, so every job accepts any.
 */
export function parsePhilly(text: string, source = 'philly-2017.csv'): Trace {
  const table = parseCsv(text, source);
  const [ts, dur, gpus, cluster] = ['timestamp', 'duration', 'num_gpus', 'cluster'].map((c) => column(table, c, source)) as [number, number, number, number];
  const jobs: TraceJob[] = [];
  const dropped: Record<string, number> = {};
  for (const row of table.rows) {
    const submitS = utcSeconds(row[ts]);
    const durationS = num(row[dur]);
    const job = rowJob(dropped, { submitS, durationS, gpus: num(row[gpus]), team: row[cluster] || 'default' });
    if (job) jobs.push(job);
  }
  return { name: 'philly', source, jobs, dropped };
}
