import type { Mount } from '@wattpack/common';

export type OutputStream = 'stdout' | 'stderr';

/** The Unix user a job runs as (jobs/accounts.ts resolves it); never uid or gid 0. */
export interface JobUser {
  /** USER and LOGNAME. */
  name: string;
  uid: number;
  gid: number;
  /** The account's home directory, when the node knows the account. */
  home?: string;
}

export interface StartRequest {
  attemptId: string;
  /** The program and its arguments; never interpreted by a shell. */
  argv: string[];
  /** Added to (and overriding) the agent's own environment (host processes) or the image's (containers). */
  env: Record<string, string>;
  /** Who the job runs as: runtimes refuse uid or gid 0. */
  user: JobUser;
  /** Host GPU indices the job may use; the runtime decides how the job sees them. */
  gpuIndices: number[];
  /** Container image; runtimes without containers refuse it. */
  image?: string;
  /** Container limits: CPUs (fractions allowed) and memory. */
  cpus?: number;
  memoryMib?: number;
  /** Containers: share the host's network (otherwise the engine's private one). */
  hostNetwork?: boolean;
  /** The working directory (containers: in the image); default: a scratch directory of the attempt's own. */
  workdir?: string;
  /** Containers: host paths mounted into the container; runtimes without containers refuse them. */
  mounts?: Mount[];
  /** Containers: /dev/shm size, IPC mode and host devices (site setting containers). */
  container?: { shmSize: string; ipc: 'private' | 'host'; devices: string[] };
  /** Kept with the running attempt (container labels) and handed back by recover(). */
  labels: Record<string, string>;
  /** Each output line, without its newline. Must not throw. */
  onLine(stream: OutputStream, line: string): void;
}

export interface ExitStatus {
  /** 128 + the signal number when the process died of a signal. */
  exitCode: number;
  signal?: NodeJS.Signals;
  /** Killed for exceeding its memory limit. */
  oomKilled?: boolean;
  /** Why it exited, where the runtime knows more than the exit code says. */
  reason?: string;
}

export interface RunningProcess {
  /** The host pid (process runtime) or the container's main pid. */
  pid: number;
  /** Resolves once the process exited and all its output was delivered. */
  exited: Promise<ExitStatus>;
}

/** An attempt found running (or exited) after the agent restarted. */
export interface RecoveredAttempt {
  attemptId: string;
  labels: Record<string, string>;
  startedAtMs: number;
  process: RunningProcess;
}

/** The attempt never ran; the message is the reason shown to the user. */
export class StartError extends Error {
  override readonly name = 'StartError';
}

/** The runtimes' own check, whoever resolved the user: jobs never run as root. */
export function refuseRoot(user: JobUser): void {
  if (user.uid === 0 || user.gid === 0) throw new StartError(`jobs never run as root: refusing to run as uid ${user.uid}, gid ${user.gid}`);
}

/** Runs job processes: process/ (on the host), container/ (podman or docker). */
export interface Runtime {
  readonly name: string;
  /** Rejects with StartError when the program cannot be started. */
  start(req: StartRequest): Promise<RunningProcess>;
  /** Sends `signal`, then SIGKILL after `graceSeconds`; resolves once the process exited. Unknown ids are a no-op. */
  stop(attemptId: string, signal: NodeJS.Signals, graceSeconds: number): Promise<void>;
  /**
   * Attempts still there from before an agent restart whose labels match `labels`, with
   * their output followed from now on. Runtimes that cannot find them return none.
   */
  recover(labels: Record<string, string>, onLine: (attemptId: string, stream: OutputStream, line: string) => void): Promise<RecoveredAttempt[]>;
}
