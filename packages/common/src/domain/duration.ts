import { z } from 'zod';
import { quote } from './limits.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses "90", "90s", "15m", "2h", "1h30m", "1d" into seconds; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const re = /(\d+(?:\.\d+)?)([smhd])/g;
  let total = 0;
  let consumed = 0;
  for (const m of trimmed.matchAll(re)) {
    if (m.index !== consumed) return undefined;
    total += Number(m[1]) * UNITS[m[2]!]!;
    consumed += m[0].length;
  }
  return consumed === trimmed.length && consumed > 0 ? Math.round(total) : undefined;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${Math.round(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}

/** A duration field: a number of seconds or a string such as "2h". */
export const durationSeconds = z.union([
  z.number().int().nonnegative(),
  z.string().transform((s, ctx) => {
    const v = parseDuration(s);
    if (v === undefined) {
      ctx.addIssue({ code: 'custom', message: `${quote(s)} is not a duration: use seconds or e.g. 90s, 15m, 2h, 1h30m` });
      return z.NEVER;
    }
    return v;
  }),
]);
