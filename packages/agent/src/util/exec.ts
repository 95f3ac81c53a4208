import { execFile, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ExecResult {
  /** undefined when the program could not be run or was killed. */
  exitCode?: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** ENOENT, EACCES…: why it could not be run. */
  errorCode?: string;
  message?: string;
}

/**
 * Runs a program to completion without a shell; never rejects. node:child_process rather
 * than a wrapper library: the agent stays small (it runs on every GPU server).
 */
export function exec(file: string, args: readonly string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: opts.timeoutMs ?? 0, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL', ...(opts.env ? { env: opts.env } : {}) },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
        const exitCode = !e ? 0 : typeof e.code === 'number' ? e.code : undefined;
        resolve({
          stdout,
          stderr,
          timedOut: Boolean(e?.killed && opts.timeoutMs),
          ...(exitCode !== undefined ? { exitCode } : {}),
          ...(e && typeof e.code === 'string' ? { errorCode: e.code } : {}),
          ...(e ? { message: e.message } : {}),
        });
      },
    ).stdin?.end();
  });
}

/** Calls `onLine` for each line a child prints (a last line without a newline too); resolves once both streams ended. */
export function readLines(child: ChildProcess, onLine: (stream: 'stdout' | 'stderr', line: string) => void): Promise<void> {
  const follow = (stream: 'stdout' | 'stderr') =>
    new Promise<void>((resolve) => {
      const input = child[stream];
      if (!input) return resolve();
      createInterface({ input, crlfDelay: Infinity }).on('line', (line) => onLine(stream, line)).on('close', resolve);
    });
  return Promise.all([follow('stdout'), follow('stderr')]).then(() => {});
}
