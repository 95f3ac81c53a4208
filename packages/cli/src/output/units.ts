import { formatDuration } from '@wattpack/common/core';

/** Small formatting helpers shared by the views; "-" stands for "none" or "unknown". */

export const kw = (w: number): string => (w / 1e3).toFixed(1);
export const mw = (w: number): string => (w / 1e6).toFixed(3);
export const watts = (w: number): string => (w > 0 ? `${Math.round(w)} W` : '-');

/** Proto timestamps are 0 when unset. */
export const timestamp = (ms: number): string => (ms > 0 ? new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z') : '-');
export const since = (ms: number, now: number): string => formatDuration(Math.max(0, (now - ms) / 1000));
export const timestampAgo = (ms: number, now: number): string => (ms > 0 ? `${timestamp(ms)} (${since(ms, now)} ago)` : '-');

/** [0,1,2,3,6] -> "0-3,6": eight GPU indices stay short. */
export function indexRanges(indices: number[]): string {
  const sorted = [...indices].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** "a,b,c +2": long lists stay one short cell. */
export function listSome(items: string[], max: number): string {
  if (items.length === 0) return '-';
  const shown = items.slice(0, max).join(',');
  return items.length > max ? `${shown} +${items.length - max}` : shown;
}
