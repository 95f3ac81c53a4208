import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WattpackError } from '@wattpack/common/core';
import { z } from 'zod';

/** Agents first (they stop their jobs), then the scheduler, then the bus under both. */
const STOP_ORDER = ['meter', 'agent', 'scheduler', 'nats'] as const;
const STOP_GRACE_MS = 10_000;

const devProcessSchema = z.object({
  role: z.enum(STOP_ORDER),
  name: z.string(),
  pid: z.number().int().positive(),
  /** Linux start time (/proc/PID/stat): tells a live child from a reused pid. */
  startTime: z.string().optional(),
  log: z.string(),
});

/** `<state dir>/dev.json`: what `wattpack dev` started, so that `dev down` can stop it. */
export const devStateSchema = z.object({
  startedAt: z.string(),
  detached: z.boolean(),
  natsUrl: z.string(),
  scheduler: z.string(),
  logDir: z.string(),
  /** Only when dev started nats-server itself: its temporary JetStream store. */
  natsStoreDir: z.string().optional(),
  nodes: z.array(z.string()),
  processes: z.array(devProcessSchema),
  /** The scheduler's web dashboard (HTTPS) and each daemon's metrics listener, by process name. */
  dashboard: z.string().optional(),
  metrics: z.record(z.string(), z.string()).optional(),
});

export type DevProcess = z.infer<typeof devProcessSchema>;
export type DevState = z.infer<typeof devStateSchema>;

export const devStateDir = (env: NodeJS.ProcessEnv, flag?: string): string =>
  flag ?? env.WATTPACK_DEV_DIR ?? join(homedir(), '.wattpack', 'dev');

export const devStateFile = (dir: string): string => join(dir, 'dev.json');

export function readDevState(dir: string): DevState | undefined {
  const file = devStateFile(dir);
  if (!existsSync(file)) return undefined;
  try {
    return devStateSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new WattpackError('FAILED_PRECONDITION', `${file} is not a wattpack dev state file (${(err as Error).message.split('\n')[0]}): remove it`);
  }
}

export function writeDevState(dir: string, state: DevState): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(devStateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
}

/** Field 22 of /proc/PID/stat; undefined without /proc, or for a zombie (it has exited). */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

export function isRunning(p: DevProcess): boolean {
  try {
    process.kill(p.pid, 0);
  } catch {
    return false;
  }
  return p.startTime === undefined || processStartTime(p.pid) === p.startTime;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/**
 * Stops a site's processes in order (SIGTERM; SIGKILL to the process group after the
 * grace period, so that an agent's job processes go too), then removes the temporary
 * NATS store and dev.json. Returns the processes that were still running.
 */
export async function stopSite(dir: string, state: DevState, graceMs = STOP_GRACE_MS): Promise<DevProcess[]> {
  const stopped: DevProcess[] = [];
  for (const role of STOP_ORDER) {
    const group = state.processes.filter((p) => p.role === role && isRunning(p));
    for (const p of group) signal(p.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (group.some(isRunning) && Date.now() < deadline) await sleep(100);
    for (const p of group.filter(isRunning)) {
      signal(-p.pid, 'SIGKILL');
      signal(p.pid, 'SIGKILL');
    }
    stopped.push(...group);
  }
  if (state.natsStoreDir) rmSync(state.natsStoreDir, { recursive: true, force: true });
  rmSync(devStateFile(dir), { force: true });
  return stopped;
}

/** One dev site per state dir: refuses while one runs; clears what a dead one left. */
export async function ensureNoSite(dir: string): Promise<void> {
  const state = readDevState(dir);
  if (!state) return;
  if (state.processes.some(isRunning)) {
    throw new WattpackError(
      'FAILED_PRECONDITION',
      `a dev site is already running (scheduler ${state.scheduler}, see ${devStateFile(dir)}): stop it with "wattpack dev down"`,
    );
  }
  await stopSite(dir, state);
}
