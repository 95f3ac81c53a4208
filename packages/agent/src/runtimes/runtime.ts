export type OutputStream = 'stdout' | 'stderr';

export interface StartRequest {
  attemptId: string;
  /** The program and its arguments; never interpreted by a shell. */
  argv: string[];
  /** Added to (and overriding) the agent's own environment. */
  env: Record<string, string>;
  /** Host GPU indices the job may use; the runtime decides how the job sees them. */
  gpuIndices: number[];
  /** Container image; runtimes without containers refuse it. */
  image?: string;
  /** Each output line, without its newline. Must not throw. */
  onLine(stream: OutputStream, line: string): void;
}

export interface ExitStatus {
  /** 128 + the signal number when the process died of a signal. */
  exitCode: number;
  signal?: NodeJS.Signals;
}

export interface RunningProcess {
  pid: number;
  /** Resolves once the process exited and all its output was delivered. */
  exited: Promise<ExitStatus>;
}

/** The attempt never ran; the message is the reason shown to the user. */
export class StartError extends Error {
  override readonly name = 'StartError';
}

/** Runs job processes. Implementations: process/ (on the host); podman/docker later. */
export interface Runtime {
  readonly name: string;
  /** Rejects with StartError when the program cannot be started. */
  start(req: StartRequest): Promise<RunningProcess>;
  /** Sends `signal`, then SIGKILL after `graceSeconds`; resolves once the process exited. Unknown ids are a no-op. */
  stop(attemptId: string, signal: NodeJS.Signals, graceSeconds: number): Promise<void>;
}
