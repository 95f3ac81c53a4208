/**
 * Every bound on what a client may send and on what one request may make the scheduler
 * hold, in one place. docs/limits.md says why each is what it is.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** One job spec, as `wattpack submit` and SubmitJob send it. */
export const JOB_SPEC_LIMITS = {
  /** The whole spec serialized as JSON, UTF-8 bytes: it is stored, listed and sent to every node of the job. */
  specBytes: 64 * KiB,
  /** Entries of command and args together. */
  argvEntries: 1000,
  /** env: names plus values, UTF-8 bytes (the kernel refuses an exec over its own argv+env limit). */
  envBytes: 64 * KiB,
  /** maxRuntime, seconds: 30 days. */
  maxRuntimeSeconds: 30 * 86_400,
} as const;

/** ListJobs pages. */
export const LIST_JOBS_LIMITS = {
  /** Jobs in a page when the request gives no limit. */
  defaultLimit: 500,
  /** A larger limit is lowered to this. */
  maxLimit: 5000,
  /**
   * A page ends early once its jobs come to this many bytes (as JSON, more than their
   * protobuf size), so that 5,000 jobs with large specs still fit one response.
   */
  pageBytes: 8 * MiB,
} as const;

/** Default of the site setting maxQueuedPerTeam (PENDING jobs per team; 0: no limit). */
export const DEFAULT_MAX_QUEUED_PER_TEAM = 10_000;

/** gRPC message sizes, set on the scheduler's server and on every client. */
export const GRPC_LIMITS = {
  /**
   * What the scheduler accepts in one message: a job spec is at most 64 KiB, an agent's
   * registration or report (GPUs, miners, attempts) a few KiB to a few hundred. Anything
   * larger is refused before it is buffered and parsed.
   */
  requestBytes: 4 * MiB,
  /**
   * Responses: a ListJobs page (at most LIST_JOBS_LIMITS.pageBytes), ListNodes of a large
   * site (unpaged: about 2 KiB a node). The scheduler sends and the CLI accepts up to this.
   */
  responseBytes: 64 * MiB,
  /** What an agent accepts: the scheduler sends it only registration answers (commands travel over NATS). */
  agentReceiveBytes: 4 * MiB,
} as const;

/** How much of a user's input an error message repeats. */
export const ECHO_CHARS = 40;

/** A short prefix of user input for an error message: at most ECHO_CHARS characters, then "…". */
export function clip(text: string, max = ECHO_CHARS): string {
  if (text.length <= max) return text;
  // By code points, so that an emoji is not cut in half; a prefix is all that is needed.
  const prefix = Array.from(text.slice(0, 2 * max)).slice(0, max).join('');
  return prefix.length === text.length ? text : `${prefix}…`;
}

/** User input quoted for an error message (newlines and quotes escaped), clipped. */
export const quote = (text: string): string => JSON.stringify(clip(text));

/** Bytes for people: "812 B", "64 KiB", "70.1 KiB", "4 MiB". */
export function formatBytes(bytes: number): string {
  const [value, unit] = bytes < KiB ? [bytes, 'B'] : bytes < MiB ? [bytes / KiB, 'KiB'] : [bytes / MiB, 'MiB'];
  return `${+value.toFixed(1)} ${unit}`;
}
