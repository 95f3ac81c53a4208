import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { readLines } from '../../util/exec.js';
import { StartError, type ExitStatus, type RecoveredAttempt, type Runtime, type RunningProcess, type StartRequest } from '../runtime.js';

/**
 * Runs jobs as host processes. Each job leads its own process group, so that an attempt
 * leaves nothing behind: when its main process exits or outlives the grace period, the
 * whole group is SIGKILLed (as a container's teardown would). The checkpoint signal goes
 * to the main process only, as `docker stop` does, so trainers that forward signals to
 * their workers (torchrun) do not deliver it twice.
 */
export class ProcessRuntime implements Runtime {
  readonly name = 'process';
  private readonly running = new Map<string, RunningProcess & { startTime?: string }>();

  /**
   * `stateFile`: where the process groups of running attempts are recorded, so that an
   * agent restarted after a crash can end those its predecessor left behind.
   */
  constructor(private readonly opts: { stateFile?: string } = {}) {}

  async start(req: StartRequest): Promise<RunningProcess> {
    if (req.image) throw new StartError(`image "${req.image}" needs a container runtime; this agent runs jobs with --runtime process`);
    if (req.cpus !== undefined || req.memoryMib !== undefined) throw new StartError('CPU and memory limits need a container runtime; this agent runs jobs with --runtime process');
    const [file, ...args] = req.argv;
    if (!file) throw new StartError('no command to run');
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      // CUDA_VISIBLE_DEVICES last: the job's own env must not widen its GPUs. Empty hides all GPUs.
      env: { ...process.env, ...req.env, CUDA_VISIBLE_DEVICES: req.gpuIndices.join(',') },
      detached: true,
    });
    const failed = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', resolve);
    });
    if (failed || child.pid === undefined) throw new StartError(startFailure(file, failed?.code, failed?.message));
    const pid = child.pid;
    const output = readLines(child, req.onLine);
    // 'exit', not the end of output: a leftover child holding stdout open would delay it.
    const exitEvent = new Promise<ExitStatus>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ? { exitCode: 128 + (constants.signals[signal] ?? 0), signal } : { exitCode: code ?? 1 })),
    );
    const exited = exitEvent.then(async (status) => {
      killGroup(pid);
      await output; // the last output lines
      this.running.delete(req.attemptId);
      this.record();
      return status;
    });
    const startTime = processStartTime(pid);
    const proc = { pid, exited, ...(startTime !== undefined ? { startTime } : {}) };
    this.running.set(req.attemptId, proc);
    this.record();
    return proc;
  }

  /**
   * Host processes are not followed again: their output pipes died with the old agent.
   * Those it left running are ended (the whole group), so that the scheduler's requeued
   * attempt is the only one: the attempts are reported lost.
   */
  async recover(): Promise<RecoveredAttempt[]> {
    if (!this.opts.stateFile) return [];
    let left: { attemptId: string; pid: number; startTime?: string }[] = [];
    try {
      left = JSON.parse(readFileSync(this.opts.stateFile, 'utf8'));
    } catch {
      return []; // no record: nothing was running
    }
    for (const p of left) {
      // The same process only if its start time matches: pids are reused.
      if (p.startTime !== undefined && processStartTime(p.pid) === p.startTime) killGroup(p.pid);
    }
    this.record();
    return [];
  }

  /** Rewrites the record of running process groups (small; only at starts and exits). */
  private record(): void {
    if (!this.opts.stateFile) return;
    const entries = [...this.running].map(([attemptId, p]) => ({ attemptId, pid: p.pid, startTime: p.startTime }));
    try {
      writeFileSync(this.opts.stateFile, JSON.stringify(entries));
    } catch {
      // Best effort: without it, a crash leaves orphans, as before.
    }
  }

  async stop(attemptId: string, signal: NodeJS.Signals, graceSeconds: number): Promise<void> {
    const proc = this.running.get(attemptId);
    if (!proc) return;
    sendSignal(proc.pid, signal);
    const timer = setTimeout(() => killGroup(proc.pid), graceSeconds * 1000);
    try {
      await proc.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), or undefined when gone. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function startFailure(file: string, code: string | undefined, message: string | undefined): string {
  if (code === 'ENOENT') return `command not found: ${file}`;
  if (code === 'EACCES') return `permission denied: ${file} is not executable`;
  return `cannot start ${file}: ${code ?? message ?? 'unknown error'}`;
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone: its exit is on its way.
  }
}

const killGroup = (pid: number) => sendSignal(-pid, 'SIGKILL');
