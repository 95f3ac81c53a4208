import { randomBytes } from 'node:crypto';

/** Sortable by creation time: base36 milliseconds, then randomness. */
export function newId(prefix: string, now = Date.now()): string {
  return `${prefix}-${now.toString(36)}${randomBytes(3).toString('hex')}`;
}
