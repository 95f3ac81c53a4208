import { execa, type ResultPromise } from 'execa';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How a local site launches its daemons: the real binaries of this checkout, each with its
 * log where WATTPACK_E2E_LOGS says (kept apart from harness.ts, which says what a site is).
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = {
  scheduler: join(root, 'packages/scheduler/bin/wattpack-scheduler.js'),
  agent: join(root, 'packages/agent/bin/wattpack-agent.js'),
  cli: join(root, 'packages/cli/bin/wattpack.js'),
};

/** WATTPACK_E2E_LOGS=<dir> keeps every scheduler's and agent's log there, at WATTPACK_E2E_LOG_LEVEL (default warn). */
const LOG_DIR = process.env.WATTPACK_E2E_LOGS;
export const LOG_LEVEL = process.env.WATTPACK_E2E_LOG_LEVEL ?? 'warn';
let spawned = 0;
const stderrOf = (name: string) => (LOG_DIR ? { file: join(LOG_DIR, `${Date.now()}-${++spawned}-${name}.log`) } : 'pipe');

/** A scheduler or agent process named `name` in logs; it never rejects, so a test can await its end. */
export function launchDaemon(bin: 'scheduler' | 'agent', name: string, args: string[], env: Record<string, string> = {}): ResultPromise {
  const proc = execa(process.execPath, [BIN[bin], ...args], { reject: false, stdout: 'ignore', stderr: stderrOf(name), env });
  proc.stderr?.on('data', (chunk: Buffer) => tails.set(proc, ((tails.get(proc) ?? '') + chunk.toString()).slice(-TAIL_CHARS)));
  return proc;
}

const TAIL_CHARS = 2000;
/** The end of each daemon's log, for the message of a test that waited on it in vain. */
const tails = new WeakMap<ResultPromise, string>();

/** Which of these daemons ended on their own with an error (not killed by a test), with the end of its log. */
export function failedDaemons(procs: Map<string, ResultPromise>): string | undefined {
  const failed = [...procs].filter(([, p]) => p.exitCode !== null && p.exitCode !== 0);
  if (!failed.length) return undefined;
  return failed.map(([name, p]) => `${name} exited with code ${p.exitCode}: ${tails.get(p) ?? '(its log is in WATTPACK_E2E_LOGS)'}`).join('\n');
}

/** A hollow fleet's folder: one link per node to its credentials, as `wattpack dev` makes. */
export function fleetFolder(dir: string, ids: string[], credentialsOf: (id: string) => string): string {
  mkdirSync(dir);
  for (const id of ids) symlinkSync(credentialsOf(id), join(dir, id));
  return dir;
}
