import { execFile } from 'node:child_process';
import { existsSync, ftruncateSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmdirSync, statSync, writeSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { spawner as sharedSpawner, type SpawnError, type Spawned, type Spawner } from './spawner.js';
import { refuseRoot, StartError, type ExitStatus, type JobUser, type RecoveredAttempt, type Runtime, type RunningProcess, type StartRequest } from '../runtime.js';

/** Where jobs' working directories go unless the agent is given --job-root: one root per agent uid. */
export const defaultJobRoot = () => join(tmpdir(), `wattpack-jobs-${process.getuid?.() ?? 0}`);

/** What the record of running attempts keeps of each. */
interface Recorded {
  attemptId: string;
  pid: number;
  startTime?: string;
  workDir?: string;
  uid?: number;
  gid?: number;
}

/**
 * Runs jobs as host processes. Each job leads its own process group, so that an attempt
 * leaves nothing behind: when its main process exits or outlives the grace period, the
 * whole group is SIGKILLed (as a container's teardown would). The checkpoint signal goes
 * to the main process only, as `docker stop` does, so trainers that forward signals to
 * their workers (torchrun) do not deliver it twice.
 *
 * Jobs never run as root: each runs with its user's uid and gid, never the agent's by default (the
 * supplementary groups cleared: Node's spawn drops them when it sets the ids), with HOME,
 * USER and LOGNAME of that user, in a working directory of its own: <job root>/<attempt>-<random>,
 * mode 0700, owned by the user, removed when the attempt ends (by the user's uid, so that
 * nothing the job left there can turn the removal against the host).
 */
export class ProcessRuntime implements Runtime {
  readonly name = 'process';
  private readonly running = new Map<string, RunningProcess & Omit<Recorded, 'attemptId' | 'pid'>>();
  private readonly jobRoot: string;
  /** Starts the processes: a small helper process, since a fork's cost grows with the agent's memory (spawner.ts). */
  private readonly spawner: Spawner;
  /** The record's file, open from its first write on (recover() reads it before). */
  private stateFd: number | undefined;
  /** Whether the job root was found sound: checked at the first start, and again if it went away. */
  private rootChecked = false;

  /**
   * `stateFile`: where the process groups of running attempts are recorded, so that an
   * agent restarted after a crash can end those its predecessor left behind.
   * `jobRoot`: where attempts' working directories go (created if missing; it must belong
   * to the agent's uid and be writable by no one else).
   */
  constructor(private readonly opts: { stateFile?: string; jobRoot?: string; spawner?: Spawner } = {}) {
    this.jobRoot = opts.jobRoot ?? defaultJobRoot();
    this.spawner = opts.spawner ?? sharedSpawner;
  }

  async start(req: StartRequest): Promise<RunningProcess> {
    if (req.image) throw new StartError(`image "${req.image}" needs a container runtime; this agent runs jobs with --runtime process`);
    if (req.cpus !== undefined || req.memoryMib !== undefined) throw new StartError('CPU and memory limits need a container runtime; this agent runs jobs with --runtime process');
    if (req.mounts?.length) throw new StartError('mounts need a container runtime; this agent runs jobs with --runtime process');
    if (req.workdir && !isDirectory(req.workdir)) throw new StartError(`workdir ${req.workdir} is not a directory on this node`);
    // The agent enters it before switching users, so the exec would not notice.
    if (req.workdir && !mayEnter(req.workdir, req.user)) throw new StartError(`permission denied: ${req.user.name} (uid ${req.user.uid}) may not enter the workdir ${req.workdir}`);
    const [file, ...args] = req.argv;
    if (!file) throw new StartError('no command to run');
    const { user } = req;
    refuseRoot(user);
    checkSwitchable(user);
    // The job's own workdir is its to keep; a scratch one is the attempt's, removed when it ends.
    const scratch = req.workdir ? undefined : this.makeWorkDir(req.attemptId, user);
    const workDir = req.workdir ?? scratch!;
    // CUDA_VISIBLE_DEVICES last: the job's own env must not widen its GPUs. Empty hides all GPUs.
    const env: NodeJS.ProcessEnv = { ...baseEnv(), ...userEnv(user, workDir), ...req.env, CUDA_VISIBLE_DEVICES: req.gpuIndices.join(',') };
    let spawned: Spawned;
    try {
      spawned = await this.spawner.spawn({ file, args, env, cwd: workDir, uid: user.uid, gid: user.gid }, req.onLine);
    } catch (err) {
      if (scratch) await removeWorkDir(scratch, user);
      const e = err as SpawnError;
      throw new StartError(startFailure(file, env.PATH, user, e.code, e.message));
    }
    const { pid } = spawned;
    const exited = spawned.exit.then(async ({ code, signal, lost }) => {
      // A lost exit (the helper died): the group is ended here, so nothing runs unseen.
      killGroup(pid);
      await spawned.output; // the last output lines
      if (scratch) await removeWorkDir(scratch, user);
      this.running.delete(req.attemptId);
      this.record();
      if (lost) return { exitCode: 1, reason: lost };
      return signal ? { exitCode: 128 + (constants.signals[signal] ?? 0), signal } : { exitCode: code ?? 1 };
    });
    const startTime = processStartTime(pid);
    const proc = { pid, exited, ...(scratch ? { workDir: scratch } : {}), uid: user.uid, gid: user.gid, ...(startTime !== undefined ? { startTime } : {}) };
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
    let left: Recorded[] = [];
    try {
      left = JSON.parse(readFileSync(this.opts.stateFile, 'utf8'));
    } catch {
      return []; // no record: nothing was running
    }
    for (const p of left) {
      // The same process only if its start time matches: pids are reused.
      if (p.startTime !== undefined && processStartTime(p.pid) === p.startTime) killGroup(p.pid);
      if (p.workDir && p.uid && p.gid) await removeWorkDir(p.workDir, { uid: p.uid, gid: p.gid });
    }
    this.record();
    return [];
  }

  /**
   * <job root>/<attempt>-<random>, owned by the job's user, 0700 (mkdtemp's mode). The root
   * belongs to the agent and no one else may write to it, so no job can swap an attempt's
   * directory for a link. It is checked once, not at every start: once sound, only the
   * agent's uid or root could change it (a root that went away, say to a tmp cleaner, is made
   * and checked again).
   */
  private makeWorkDir(attemptId: string, user: JobUser): string {
    if (!this.rootChecked) this.checkRoot();
    // A new directory every start: the parts of a gang share the attempt id, and agents on one host may share the root.
    const prefix = join(this.jobRoot, `${attemptId.replace(/[^A-Za-z0-9_-]/g, '-')}-`);
    let dir = tempDir(prefix, this.jobRoot, true);
    if (dir === undefined) {
      this.checkRoot();
      dir = tempDir(prefix, this.jobRoot, false)!;
    }
    lchownSync(dir, user.uid, user.gid);
    return dir;
  }

  private checkRoot(): void {
    const root = this.jobRoot;
    this.rootChecked = false;
    try {
      mkdirSync(root, { recursive: true, mode: 0o711 });
    } catch (err) {
      throw new StartError(`cannot create the job root ${root}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const st = lstatSync(root);
    const me = process.getuid?.() ?? 0;
    if (!st.isDirectory() || st.uid !== me || (st.mode & 0o022) !== 0) {
      throw new StartError(`the job root ${root} must be a directory of uid ${me} that no one else may write to`);
    }
    this.rootChecked = true;
  }

  /**
   * Rewrites the record of running process groups (small; at every start and exit) in
   * place: over a file kept open, a write and a truncate cost 7 µs where writeFileSync's
   * open with O_TRUNC cost 160 µs on ext4 (a tenth of the hollow fleet's CPU per job).
   */
  private record(): void {
    if (!this.opts.stateFile) return;
    const entries: Recorded[] = [...this.running].map(([attemptId, p]) => ({ attemptId, pid: p.pid, startTime: p.startTime, workDir: p.workDir, uid: p.uid, gid: p.gid }));
    try {
      this.stateFd ??= openSync(this.opts.stateFile, 'w');
      ftruncateSync(this.stateFd, writeSync(this.stateFd, JSON.stringify(entries), 0));
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

function startFailure(file: string, path: string | undefined, user: JobUser, code: string | undefined, message: string | undefined): string {
  // A PATH directory the job's user may not search makes a missing command EACCES.
  const exists = file.includes('/') ? existsSync(file) : (path ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, file)));
  if (code === 'ENOENT' || (code === 'EACCES' && !exists)) return `command not found: ${file}`;
  if (code === 'EACCES') return `permission denied: ${file} is not executable (by ${user.name}, uid ${user.uid})`;
  if (code === 'EPERM') return `cannot start ${file} as uid ${user.uid}, gid ${user.gid}: not permitted`;
  return `cannot start ${file}: ${code ?? message ?? 'unknown error'}`;
}

/** Only root may run a job as another user; an agent of another uid runs jobs as itself or not at all. */
function checkSwitchable(user: JobUser): void {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (uid !== 0 && (user.uid !== uid || user.gid !== gid)) {
    throw new StartError(`cannot run a job as uid ${user.uid}, gid ${user.gid}: the agent runs as uid ${uid}, gid ${gid} and only root may switch users; run the agent as root, or map users to ${uid}:${gid} in the site setting users`);
  }
}

/** What a job takes from the agent's environment: where programs are, language and time zone; nothing else (no credentials, no agent settings). */
const BASE_ENV = ['PATH', 'LANG', 'LC_ALL', 'TZ'] as const;

function baseEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(BASE_ENV.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

/** HOME (the account's, else the working directory), USER, LOGNAME, PWD; the job's own env may change them. */
function userEnv(user: JobUser, workDir: string): Record<string, string> {
  const home = user.home && isDirectory(user.home) ? user.home : workDir;
  return { HOME: home, USER: user.name, LOGNAME: user.name, PWD: workDir };
}

/**
 * Whether the user may search every directory down to `dir`, by the mode bits: the job
 * runs with its uid and gid only (supplementary groups cleared), so these decide (ACLs aside).
 */
function mayEnter(dir: string, user: Pick<JobUser, 'uid' | 'gid'>): boolean {
  if (user.uid === 0) return true;
  const parts = dir.split('/').filter(Boolean);
  return parts.every((_, i) => {
    const st = statSync(`/${parts.slice(0, i + 1).join('/')}`);
    const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
    return (st.mode & bit) !== 0;
  });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A new directory `<prefix>XXXXXX`; undefined when the root is gone and `rootMayBeGone`. */
function tempDir(prefix: string, root: string, rootMayBeGone: boolean): string | undefined {
  try {
    return mkdtempSync(prefix);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && rootMayBeGone) return undefined;
    throw new StartError(`cannot create a working directory in ${root}: ${code ?? String(err)}`);
  }
}

/**
 * Removes the working directory. An empty one (a job that wrote nothing there) goes with
 * one rmdir: no process to spawn, which cost as much as the job's own start. Otherwise it
 * is emptied as the job's user (rm never follows what the job could turn into a link, and
 * as that user it could not harm anything else anyway) and then removed. Best effort.
 */
async function removeWorkDir(dir: string, user: Pick<JobUser, 'uid' | 'gid'>): Promise<void> {
  if (removeEmptyDir(dir)) return;
  const asUser = (process.getuid?.() ?? 0) === 0 ? { uid: user.uid, gid: user.gid } : {};
  await new Promise<void>((resolve) => execFile('rm', ['-rf', '--', dir], { ...asUser, timeout: 60_000 }, () => resolve()));
  // Gone already, or the job's user could not empty it: left for the operator.
  removeEmptyDir(dir);
}

/**
 * Whether `dir` is gone now: rmdir removes only an empty directory, and follows no link.
 * On the calling thread: on ext4 here an rmdir held it 0.7-1.1 ms, only 33 us of it CPU,
 * but libuv's thread pool took 64 us of CPU for the same, and CPU is what bounds the hollow
 * fleet's jobs/s (docs/benchmarks.md, bench:e2e 2026-11-30 05:45).
 */
function removeEmptyDir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone: its exit is on its way.
  }
}

const killGroup = (pid: number) => sendSignal(-pid, 'SIGKILL');
