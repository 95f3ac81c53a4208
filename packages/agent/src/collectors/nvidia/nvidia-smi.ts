import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { exec } from '../../util/exec.js';

export interface SmiOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs nvidia-smi with some arguments. Never rejects for a non-zero exit: callers read what it said. */
export type SmiRunner = (args: string[]) => Promise<SmiOutput>;

/** nvidia-smi could not be run at all: missing, timed out, killed. */
export class SmiError extends Error {
  override readonly name = 'SmiError';
}

export interface SmiOptions {
  /** Program name or path; looked up on the PATH of `env`. */
  command?: string;
  /** nvidia-smi can hang on a wedged GPU: never wait longer than this. */
  timeoutMs?: number;
  /** Replaces the agent's environment for the child (tests put a fake nvidia-smi on PATH). */
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_SMI_TIMEOUT_MS = 5000;

/** An async nvidia-smi with a timeout; no shell is involved. */
export function nvidiaSmi(opts: SmiOptions = {}): SmiRunner {
  const command = opts.command ?? 'nvidia-smi';
  const timeout = opts.timeoutMs ?? DEFAULT_SMI_TIMEOUT_MS;
  return async (args) => {
    const r = await exec(command, args, { timeoutMs: timeout, ...(opts.env ? { env: opts.env } : {}) });
    if (r.timedOut) throw new SmiError(`nvidia-smi ${args[0] ?? ''} timed out after ${timeout} ms`);
    if (r.errorCode === 'ENOENT') throw new SmiError(`nvidia-smi not found (looked for "${command}" on PATH)`);
    if (r.exitCode === undefined) throw new SmiError(`nvidia-smi failed: ${r.message ?? 'killed'}`);
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  };
}

/** The first thing nvidia-smi said, for an error message. */
export const firstLine = (o: SmiOutput) => (o.stdout.trim() || o.stderr.trim() || `exit code ${o.exitCode}`).split('\n')[0]!.trim();

export interface SmiFollow {
  stop(): void;
  /** Resolves once nvidia-smi exited, with what it said about why. */
  ended: Promise<string>;
}

/** Runs a looping nvidia-smi (`-lms`) and hands over each line it prints. */
export type SmiFollower = (args: string[], onLine: (line: string) => void) => SmiFollow;

/**
 * One long-lived `nvidia-smi … -lms <interval>`: NVML stays initialized, so a sample costs
 * the driver a query rather than a process start and an NVML init (which on an 8-GPU
 * server costs more CPU than the whole agent).
 */
export function nvidiaSmiFollower(opts: SmiOptions = {}): SmiFollower {
  const command = opts.command ?? 'nvidia-smi';
  return (args, onLine) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(opts.env ? { env: opts.env } : {}) });
    let said = '';
    let failed: Error | undefined;
    child.on('error', (err) => (failed = err));
    child.stderr!.on('data', (d: Buffer) => (said = (said + d.toString()).slice(-500)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (/^\D/.test(line.trim())) said = line.trim();
      onLine(line);
    });
    const ended = new Promise<string>((resolve) =>
      child.on('close', (code, signal) => resolve(failed ? failed.message : `${said.trim().split('\n')[0] || 'no message'} (exit ${code ?? signal})`)),
    );
    return { stop: () => child.kill('SIGKILL'), ended };
  };
}
