import { randomBytes } from 'node:crypto';

let last = 0;

/**
 * Sortable by creation order: base36 milliseconds (bumped so that ids made in the same
 * millisecond still sort in order), then randomness.
 */
export function newId(prefix: string, now = Date.now()): string {
  last = Math.max(now, last + 1);
  return `${prefix}-${last.toString(36)}${randomBytes(3).toString('hex')}`;
}
