import { InvalidArgumentError } from 'commander';
import { parseDuration } from '@wattpack/common';

/** Parsers for flags and arguments: commander reports what they throw as usage errors (exit 2). */

export function numberArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('not a number.');
  return n;
}

export function nonNegativeArg(value: string): number {
  const n = numberArg(value);
  if (n < 0) throw new InvalidArgumentError('must not be negative.');
  return n;
}

/** Seconds, from "90", "90s", "15m", "2h", "1h30m". */
export function durationArg(value: string): number {
  const s = parseDuration(value);
  if (s === undefined) throw new InvalidArgumentError('use seconds or e.g. 90s, 15m, 2h, 1h30m.');
  return s;
}

/** For repeatable flags: `--env A=1 --env B=2`. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
