import type { Trace, TraceJob } from './types.js';
import { NO_MODELS } from './types.js';
import { column, countDrop, num, parseCsv, utcSeconds } from './csv.js';

/**
 * Microsoft Philly 2017 (../shared/traces/philly-2017.csv): `timestamp` (submit, UTC),
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
    const n = num(row[gpus]);
    if (submitS === undefined || durationS === undefined || durationS < 0 || n === undefined) {
      countDrop(dropped, 'malformed row');
      continue;
    }
    if (n <= 0) {
      countDrop(dropped, 'no GPUs');
      continue;
    }
    jobs.push({ submitS, durationS, gpus: Math.ceil(n), team: row[cluster] || 'default', gpuModels: NO_MODELS });
  }
  return { name: 'philly', source, jobs, dropped };
}
