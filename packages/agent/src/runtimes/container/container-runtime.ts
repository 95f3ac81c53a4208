import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { exec, readLines } from '../../util/exec.js';
import { refuseRoot, StartError, type ExitStatus, type OutputStream, type RecoveredAttempt, type Runtime, type RunningProcess, type StartRequest } from '../runtime.js';

export type Engine = 'podman' | 'docker';

/** The runtime's own label: which attempt a container runs. */
export const ATTEMPT_LABEL = 'wattpack.attempt-id';

/** Long enough for an image pull; every other CLI call is quick. */
const RUN_TIMEOUT_MS = 10 * 60_000;
const CLI_TIMEOUT_MS = 30_000;
/** How long the log follower may take to deliver the last lines after the container exited. */
const LOGS_FLUSH_MS = 5000;

export interface ContainerRuntimeOptions {
  engine: Engine;
  /** The engine's program; default: its name, looked up on PATH. */
  command?: string;
}

/** What `inspect` tells about a container (podman and docker agree on these fields). */
interface Inspected {
  Id: string;
  Name: string;
  Config?: { Labels?: Record<string, string> | null };
  State?: { Status?: string; Pid?: number; ExitCode?: number; OOMKilled?: boolean; StartedAt?: string };
  HostConfig?: { Memory?: number };
}

export const containerName = (attemptId: string) => `wattpack-${attemptId.replace(/[^A-Za-z0-9_.-]/g, '-')}`;

/**
 * The init process (podman's catatonit, docker's tini) could not exec the job's command:
 * the container started, so this is an exit, but it deserves a clearer reason than 1.
 */
const INIT_EXEC_FAILED = /catatonit.*failed to exec pid1|tini.*exec .* failed/i;

/** A reference the engine parses as an image, never as a flag. */
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/;

/**
 * GPUs into a container: podman through CDI (`--device nvidia.com/gpu=<index>`, the names
 * `nvidia-ctk cdi generate` writes), docker through the NVIDIA container toolkit
 * (`--gpus '"device=0,1"'`: the quotes keep docker from splitting the list at the comma).
 * Inside, the job sees its GPUs as 0..n-1.
 */
export function gpuArgs(engine: Engine, indices: readonly number[]): string[] {
  if (!indices.length) return [];
  return engine === 'podman' ? indices.flatMap((i) => ['--device', `nvidia.com/gpu=${i}`]) : ['--gpus', `"device=${indices.join(',')}"`];
}

/**
 * The `run` command line. Never root, never privileged: the job's user (--user uid:gid,
 * whatever the image says), no --privileged, every capability dropped (none is added), and
 * no-new-privileges (setuid programs in the image gain nothing). --init makes the job's
 * process receive the stop signal as on a host (a bare PID 1 ignores SIGTERM). The host's
 * network only where the site allows it for the job's team (multi-node jobs need it to
 * reach each other); otherwise the engine's private network. Only the job's GPUs: the
 * devices of gpuArgs, and NVIDIA_VISIBLE_DEVICES set to them over the image's and the
 * job's (an image's "all" would otherwise widen them under the NVIDIA runtime hook).
 */
export function runArgs(engine: Engine, req: StartRequest): string[] {
  const image = req.image!;
  if (!IMAGE.test(image)) throw new StartError(`image "${image}" is not an image reference`);
  if (!req.argv.length) throw new StartError('no command to run');
  refuseRoot(req.user);
  const env = { ...req.env, NVIDIA_VISIBLE_DEVICES: req.gpuIndices.length ? req.gpuIndices.join(',') : 'void' };
  return [
    'run',
    '--detach',
    '--name',
    containerName(req.attemptId),
    '--init',
    '--user',
    `${req.user.uid}:${req.user.gid}`,
    ...(req.hostNetwork ? ['--network', 'host'] : []),
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    ...Object.entries({ ...req.labels, [ATTEMPT_LABEL]: req.attemptId }).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    ...gpuArgs(engine, req.gpuIndices),
    ...(req.cpus !== undefined ? ['--cpus', String(req.cpus)] : []),
    // Swap as large as memory: no swap, so the limit is a limit.
    ...(req.memoryMib !== undefined ? ['--memory', `${req.memoryMib}m`, '--memory-swap', `${req.memoryMib}m`] : []),
    ...(req.workdir ? ['--workdir', req.workdir] : []),
    ...(req.mounts ?? []).flatMap((m) => ['--volume', `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`]),
    ...containerArgs(req.container),
    image,
    ...req.argv,
  ];
}

/**
 * What NCCL and dataloader workers need: a /dev/shm larger than the engine's 64 MB (in the
 * container's own IPC namespace; with the host's, the host's /dev/shm), and the site's
 * devices (e.g. /dev/infiniband for RDMA).
 */
function containerArgs(c: StartRequest['container']): string[] {
  if (!c) return [];
  return [...(c.ipc === 'host' ? ['--ipc', 'host'] : ['--ipc', 'private', '--shm-size', c.shmSize]), ...c.devices.flatMap((d) => ['--device', d])];
}

/**
 * The exit of a container. podman's OOMKilled flag is unreliable (false under cgroup v1
 * here): exit 137 under a memory limit without a stop from us is an OOM kill too.
 */
export function exitStatus(info: Inspected | undefined, stopRequested: boolean): ExitStatus {
  const exitCode = info?.State?.ExitCode ?? 255;
  const signalNo = exitCode > 128 ? exitCode - 128 : 0;
  const signal = (Object.keys(constants.signals) as NodeJS.Signals[]).find((s) => constants.signals[s] === signalNo);
  const oom = info?.State?.OOMKilled === true || (exitCode === 137 && (info?.HostConfig?.Memory ?? 0) > 0 && !stopRequested);
  return { exitCode, ...(signal ? { signal } : {}), ...(oom ? { oomKilled: true } : {}) };
}

/** podman or docker through their CLI (no shell): containers labeled with the attempt, found again after a restart. */
export class ContainerRuntime implements Runtime {
  readonly name: Engine;
  private readonly command: string;
  private readonly running = new Map<string, { ref: string; process: RunningProcess; stopping: boolean }>();

  constructor(opts: ContainerRuntimeOptions) {
    this.name = opts.engine;
    this.command = opts.command ?? opts.engine;
  }

  async start(req: StartRequest): Promise<RunningProcess> {
    if (!req.image) throw new StartError(`--runtime ${this.name} runs container images: the job names none`);
    const name = containerName(req.attemptId);
    const run = await this.cli(runArgs(this.name, req), RUN_TIMEOUT_MS);
    if (run.exitCode !== 0) {
      const why = lastLine(run.stderr) || run.message || `exit code ${run.exitCode}`;
      if (/already in use/.test(why)) throw new StartError(`attempt ${req.attemptId} already has a container (${name}): not starting a second copy`);
      // Created but not started (command not found in the image, …): leave nothing behind.
      await this.cli(['rm', '--force', name]);
      throw new StartError(`${this.name} could not start the container: ${why}`);
    }
    const info = await this.inspect(name);
    return this.follow(req.attemptId, name, req.onLine, info?.State?.Pid ?? 0);
  }

  async stop(attemptId: string, signal: NodeJS.Signals, graceSeconds: number): Promise<void> {
    const c = this.running.get(attemptId);
    if (!c) return;
    c.stopping = true;
    await this.cli(['kill', '--signal', signal, c.ref]);
    const timer = setTimeout(() => void this.cli(['kill', '--signal', 'KILL', c.ref]), graceSeconds * 1000);
    try {
      await c.process.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async recover(labels: Record<string, string>, onLine: (attemptId: string, stream: OutputStream, line: string) => void): Promise<RecoveredAttempt[]> {
    const filters = Object.entries(labels).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`]);
    const ps = await this.cli(['ps', '--all', '--quiet', '--no-trunc', ...filters]);
    if (ps.exitCode !== 0) throw new Error(`${this.name} ps failed: ${lastLine(ps.stderr) || ps.message}`);
    const ids = ps.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    if (!ids.length) return [];
    // Output from now on; what was printed while the agent was down stays in the engine's log.
    const since = new Date().toISOString();
    const found: RecoveredAttempt[] = [];
    for (const info of await this.inspectAll(ids)) {
      const attemptId = info.Config?.Labels?.[ATTEMPT_LABEL];
      if (!attemptId || this.running.has(attemptId)) continue;
      // Registered before this resolves; lines arrive on later I/O callbacks, so none is lost to the caller.
      const process = this.follow(attemptId, info.Id, (stream, line) => onLine(attemptId, stream, line), info.State?.Pid ?? 0, since);
      found.push({ attemptId, labels: info.Config?.Labels ?? {}, startedAtMs: Date.parse(info.State?.StartedAt ?? '') || Date.now(), process });
    }
    return found;
  }

  /** Streams the container's output line by line and resolves with its exit once it is gone. */
  private follow(attemptId: string, ref: string, onLine: StartRequest['onLine'], pid: number, since?: string): RunningProcess {
    let execFailure: string | undefined;
    const logs = spawn(this.command, ['logs', '--follow', ...(since ? ['--since', since] : []), ref], { stdio: ['ignore', 'pipe', 'pipe'] });
    logs.on('error', () => {});
    const output = readLines(logs, (stream, line) => {
      if (stream === 'stderr' && INIT_EXEC_FAILED.test(line)) execFailure ??= line;
      onLine(stream, line);
    });
    const entry = { ref, stopping: false, process: undefined as unknown as RunningProcess };
    const exited = (async (): Promise<ExitStatus> => {
      // `wait` prints the exit code; inspect adds the memory limit and OOM flag (if the container is still there).
      const waited = Number.parseInt((await this.cli(['wait', ref], 0)).stdout.trim(), 10);
      // `logs --follow` ends with the container; never wait on it forever.
      const flushed = setTimeout(() => logs.kill(), LOGS_FLUSH_MS);
      await output;
      clearTimeout(flushed);
      const info = await this.inspect(ref);
      const status = exitStatus(Number.isInteger(waited) ? { ...info, Id: ref, Name: ref, State: { ...info?.State, ExitCode: waited } } : info, entry.stopping);
      await this.cli(['rm', '--force', ref]);
      this.running.delete(attemptId);
      return execFailure && status.exitCode !== 0 ? { ...status, reason: `the command could not be run in the image: ${execFailure}` } : status;
    })();
    entry.process = { pid, exited };
    this.running.set(attemptId, entry);
    return entry.process;
  }

  private async inspect(ref: string): Promise<Inspected | undefined> {
    return (await this.inspectAll([ref]))[0];
  }

  private async inspectAll(refs: string[]): Promise<Inspected[]> {
    const r = await this.cli(['inspect', '--type', 'container', ...refs]);
    try {
      return JSON.parse(r.stdout) as Inspected[];
    } catch {
      return [];
    }
  }

  private cli(args: string[], timeoutMs = CLI_TIMEOUT_MS) {
    return exec(this.command, args, { timeoutMs });
  }
}

const lastLine = (text: string | undefined) => (text ?? '').trim().split('\n').at(-1)?.trim() ?? '';
