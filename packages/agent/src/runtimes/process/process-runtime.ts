import { constants } from 'node:os';
import { execa } from 'execa';
import { StartError, type ExitStatus, type OutputStream, type Runtime, type RunningProcess, type StartRequest } from '../runtime.js';

/**
 * Runs jobs as host processes. Each job leads its own process group, so that an attempt
 * leaves nothing behind: when its main process exits or outlives the grace period, the
 * whole group is SIGKILLed (as a container's teardown would). The checkpoint signal goes
 * to the main process only, as `docker stop` does, so trainers that forward signals to
 * their workers (torchrun) do not deliver it twice.
 */
export class ProcessRuntime implements Runtime {
  readonly name = 'process';
  private readonly running = new Map<string, RunningProcess>();

  async start(req: StartRequest): Promise<RunningProcess> {
    if (req.image) throw new StartError(`image "${req.image}" needs a container runtime; this agent runs jobs with --runtime process`);
    const [file, ...args] = req.argv;
    if (!file) throw new StartError('no command to run');
    const lines = (stream: OutputStream) => ({
      // Lines arrive as strings (text encoding, no objectMode); execa types them unknown.
      *transform(line: unknown) {
        req.onLine(stream, line as string);
      },
    });
    const child = execa(file, args, {
      shell: false,
      reject: false,
      stdin: 'ignore',
      stdout: lines('stdout'),
      stderr: lines('stderr'),
      buffer: false,
      // CUDA_VISIBLE_DEVICES last: the job's own env must not widen its GPUs. Empty hides all GPUs.
      env: { ...req.env, CUDA_VISIBLE_DEVICES: req.gpuIndices.join(',') },
      detached: true,
    });
    const pid = child.pid;
    if (pid === undefined) {
      const result = await child;
      throw new StartError(startFailure(file, result.code, result.message));
    }
    // 'exit', not the execa promise: a leftover child holding stdout open would delay it.
    const exitEvent = new Promise<ExitStatus>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ? { exitCode: 128 + (constants.signals[signal] ?? 0), signal } : { exitCode: code ?? 1 })),
    );
    const exited = exitEvent.then(async (status) => {
      killGroup(pid);
      await child; // flushes the last output lines
      this.running.delete(req.attemptId);
      return status;
    });
    const proc = { pid, exited };
    this.running.set(req.attemptId, proc);
    return proc;
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
