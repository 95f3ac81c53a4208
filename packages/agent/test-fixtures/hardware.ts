import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The agent's copies of real captures (packages/agent/hardware, SOURCES.md there), read as they are. */
export const HARDWARE = process.env.WATTPACK_HARDWARE ?? resolve(dirname(fileURLToPath(import.meta.url)), '../hardware');

export const capture = (path: string): string => readFileSync(join(HARDWARE, path), 'utf8');

/** A public capture without the "# …" lines and "####" rule its exporter put above the tool's output. */
export const publicCapture = (path: string): string => {
  const lines = capture(path).split('\n');
  return lines.slice(lines.findIndex((l) => /^#{10,}/.test(l)) + 1).join('\n');
};
