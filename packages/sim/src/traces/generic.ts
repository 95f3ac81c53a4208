import { parseDuration, WattpackError } from '@wattpack/common/core';
import type { Trace, TraceJob } from './types.js';
import { column, num, parseCsv, rowJob, utcSeconds } from './csv.js';

export const TIME_FORMATS = ['s', 'ms', 'iso'] as const;
export type TimeFormat = (typeof TIME_FORMATS)[number];

/** Which columns hold what (`--submit-col --duration-col --gpus-col --team-col --time-format`). */
export interface CsvMapping {
  submitCol: string;
  durationCol: string;
  gpusCol: string;
  /** Without it, every job is in team "default". */
  teamCol?: string;
  /**
   * How the submit column is written: `s` seconds (default), `ms` milliseconds, `iso` a
   * date-time (`2017-10-03 14:00:00` or ISO 8601; UTC unless it names a zone).
   */
  timeFormat?: TimeFormat;
}

export const DEFAULT_MAPPING: CsvMapping = { submitCol: 'submit', durationCol: 'duration', gpusCol: 'gpus' };

/** Any CSV with a submit time, a duration (seconds, or e.g. "2h30m") and a GPU count per row. */
export function parseGenericCsv(text: string, mapping: Partial<CsvMapping> = {}, source = 'trace.csv'): Trace {
  const m = { ...DEFAULT_MAPPING, ...mapping };
  const format = m.timeFormat ?? 's';
  if (!(TIME_FORMATS as readonly string[]).includes(format)) {
    throw new WattpackError('INVALID_ARGUMENT', `--time-format: "${format}" is not one of ${TIME_FORMATS.join(', ')}`);
  }
  const table = parseCsv(text, source);
  const submit = column(table, m.submitCol, source, '--submit-col');
  const duration = column(table, m.durationCol, source, '--duration-col');
  const gpus = column(table, m.gpusCol, source, '--gpus-col');
  const team = m.teamCol ? column(table, m.teamCol, source, '--team-col') : -1;
  const jobs: TraceJob[] = [];
  const dropped: Record<string, number> = {};
  for (const row of table.rows) {
    const submitS = format === 'iso' ? utcSeconds(row[submit]) : scaled(num(row[submit]), format === 'ms' ? 1e-3 : 1);
    const cell = row[duration] ?? '';
    const durationS = num(cell) ?? parseDuration(cell);
    const job = rowJob(dropped, { submitS, durationS, gpus: num(row[gpus]), team: (team >= 0 && row[team]) || 'default' });
    if (job) jobs.push(job);
  }
  if (jobs.length === 0 && table.rows.length > 0) {
    throw new WattpackError('INVALID_ARGUMENT', `${source}: no usable row (check --submit-col, --duration-col, --gpus-col and --time-format)`);
  }
  return { name: source.replace(/^.*\//, '').replace(/\.csv$/, ''), source, jobs, dropped };
}

const scaled = (v: number | undefined, k: number) => (v === undefined ? undefined : v * k);
