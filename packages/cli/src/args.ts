import { InvalidArgumentError } from 'commander';
import { parseDuration } from '@wattpack/common/core';

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

/** Power as MW: "12MW", "12.5 MW", "500kW", "12" (MW). */
export function targetArg(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(mw|kw|w)?\s*$/i.exec(value);
  if (!m) throw new InvalidArgumentError('use a power such as 12MW, 500kW or 12 (MW).');
  const unit = (m[2] ?? 'mw').toLowerCase();
  return Number(m[1]) / (unit === 'mw' ? 1 : unit === 'kw' ? 1e3 : 1e6);
}

/** A cut as a share: "25%" or "25" -> 0.25; above 0 and below 100 %. */
export function reduceArg(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(value);
  const pct = m ? Number(m[1]) : NaN;
  if (!(pct > 0 && pct < 100)) throw new InvalidArgumentError('use a percentage above 0 and below 100, e.g. 25%.');
  return pct / 100;
}

/** An ISO time ("2026-07-01T14:00:00Z") or "now", as ms. */
export function timeArg(value: string): number {
  if (value === 'now') return Date.now();
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw new InvalidArgumentError('use an ISO time such as 2026-07-01T14:00:00Z, or now.');
  return ms;
}
