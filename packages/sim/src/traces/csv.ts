import { parse } from 'csv-parse/sync';
import { WattpackError } from '@wattpack/common/core';
import { NO_MODELS, type TraceJob } from './types.js';

/** A parsed CSV: the header and the rows as arrays of cells (blank lines skipped). */
export interface CsvTable {
  header: string[];
  rows: string[][];
}

export function parseCsv(text: string, source: string): CsvTable {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true, relax_column_count: true }) as string[][];
  } catch (err) {
    throw new WattpackError('INVALID_ARGUMENT', `${source}: not a valid CSV: ${(err as Error).message}`);
  }
  const header = records.shift();
  if (!header) throw new WattpackError('INVALID_ARGUMENT', `${source}: empty CSV (no header)`);
  return { header, rows: records };
}

/** The index of a named column, or an error that names it and lists the ones there are. */
export function column(table: CsvTable, name: string, source: string, flag?: string): number {
  const i = table.header.indexOf(name);
  if (i < 0) {
    const hint = flag ? ` (set it with ${flag})` : '';
    throw new WattpackError('INVALID_ARGUMENT', `${source}: no column "${name}"${hint}; columns: ${table.header.join(', ')}`);
  }
  return i;
}

/** A finite number from a cell, or undefined. */
export function num(cell: string | undefined): number | undefined {
  if (cell === undefined || cell === '') return undefined;
  const n = Number(cell);
  return Number.isFinite(n) ? n : undefined;
}

/** "YYYY-MM-DD HH:MM:SS" (or ISO 8601) as UTC seconds since the epoch, or undefined. */
export function utcSeconds(cell: string | undefined): number | undefined {
  if (!cell) return undefined;
  const iso = /^\d{4}-\d{2}-\d{2} \d/.test(cell) ? cell.replace(' ', 'T') : cell;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(iso);
  const ms = Date.parse(hasZone || !iso.includes('T') ? iso : `${iso}Z`);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

export const countDrop = (dropped: Record<string, number>, why: string): void => {
  dropped[why] = (dropped[why] ?? 0) + 1;
};

/**
 * A trace row as a job, or undefined (counted in `dropped`) when its submit time,
 * duration or GPU count is missing or makes no sense.
 */
export function rowJob(
  dropped: Record<string, number>,
  row: { submitS: number | undefined; durationS: number | undefined; gpus: number | undefined; team: string },
): TraceJob | undefined {
  const { submitS, durationS, gpus } = row;
  if (submitS === undefined || durationS === undefined || durationS < 0 || gpus === undefined) {
    countDrop(dropped, 'malformed row');
    return undefined;
  }
  if (gpus <= 0) {
    countDrop(dropped, 'no GPUs');
    return undefined;
  }
  return { submitS, durationS, gpus: Math.ceil(gpus), team: row.team, gpuModels: NO_MODELS };
}
