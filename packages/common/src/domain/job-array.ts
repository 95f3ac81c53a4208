import { WattpackError } from '../errors.js';
import { quote } from './limits.js';

/** Tasks one array may have: a typo ("0-2000000") must not make two million jobs. */
export const MAX_ARRAY_TASKS = 10_000;

export interface ArraySpec {
  /** Task indices, ascending, each once. */
  indices: number[];
  /** At most this many tasks hold GPUs at once (`%N`); absent: no limit. */
  maxRunning?: number;
}

/**
 * Slurm's --array syntax: "0-1999", "1,3,5-9", "0-99:10" (a step), each optionally with
 * "%N" (at most N tasks running at once), so an sbatch user's habit works unchanged.
 */
export function parseArraySpec(text: string): ArraySpec {
  const bad = (why: string) => new WattpackError('INVALID_ARGUMENT', `array ${quote(text)}: ${why}; use e.g. 0-1999, 1,3,5-9, 0-99:10, 0-1999%50`);
  const m = /^([0-9,:-]+)(?:%(\d+))?$/.exec(text.trim());
  if (!m) throw bad('not an index list');
  const indices = new Set<number>();
  for (const part of m[1]!.split(',')) {
    const r = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part);
    if (!r) throw bad(`${quote(part)} is not an index or a range`);
    const from = Number(r[1]);
    const to = r[2] === undefined ? from : Number(r[2]);
    const step = r[3] === undefined ? 1 : Number(r[3]);
    if (to < from) throw bad(`${part}: the range ends before it starts`);
    if (step < 1) throw bad(`${part}: the step must be at least 1`);
    if ((to - from) / step + 1 + indices.size > MAX_ARRAY_TASKS) throw bad(`more than ${MAX_ARRAY_TASKS} tasks`);
    for (let i = from; i <= to; i += step) indices.add(i);
  }
  const maxRunning = m[2] === undefined ? undefined : Number(m[2]);
  if (maxRunning !== undefined && maxRunning < 1) throw bad('%N must be at least 1');
  return { indices: [...indices].sort((a, b) => a - b), ...(maxRunning !== undefined && { maxRunning }) };
}

/**
 * A task's id: the array's id and its index, as Slurm writes them ("123_4"), the index
 * padded to `width` digits so that ids sort in index order (listings, the queue's ties);
 * "123_4" finds "123_0004" too (LoopState.mustGet).
 */
export const arrayTaskId = (arrayJobId: string, index: number, width = 1): string => `${arrayJobId}_${String(index).padStart(width, '0')}`;
