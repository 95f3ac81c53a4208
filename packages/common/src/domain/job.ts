import { z } from 'zod';
import type { UsageRecord } from './accounting.js';
import { durationSeconds } from './duration.js';
import { GPU_MODEL_NAMES, powerRange } from './gpu-models.js';
import { JOB_SPEC_LIMITS, clip, formatBytes } from './limits.js';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGUSR1', 'SIGUSR2', 'SIGHUP', 'SIGQUIT'] as const;

export const powerPolicySchema = z
  .strictObject({
    minWatts: z.number().positive().optional(),
    maxWatts: z.number().positive().optional(),
  })
  .refine((p) => p.minWatts === undefined || p.maxWatts === undefined || p.minWatts <= p.maxWatts, {
    message: 'minWatts must not exceed maxWatts',
    path: ['minWatts'],
  });

export const checkpointSchema = z.strictObject({
  signal: z.enum(SIGNALS).default('SIGTERM'),
  graceSeconds: z.number().int().min(0).max(3600).default(30),
});

const { argvEntries, envBytes, maxRuntimeSeconds } = JOB_SPEC_LIMITS;

/** A path on the node: absolute, normalized (no "." or ".." parts), no NUL. */
export const nodePathSchema = z
  .string()
  .max(1024, 'at most 1024 characters')
  .refine((p) => /^\/[^\0]*$/.test(p) && !p.split('/').some((part) => part === '.' || part === '..'), 'an absolute path without "." or ".." parts, e.g. /data/imagenet');

/** A container volume: a host path the site allows (setting allowedMounts) at a path inside the container. */
export const mountPathSchema = nodePathSchema.refine((p) => !/[:,]/.test(p), 'no ":" or "," (the container engine would split the path there)');
export const mountSchema = z.strictObject({
  source: mountPathSchema,
  target: mountPathSchema,
  readOnly: z.boolean().default(false),
});
export type Mount = z.output<typeof mountSchema>;

/** An output file: %j is the job id, %t the node rank, %% a "%"; relative paths are the workdir's. */
const outputPathSchema = z
  .string()
  .min(1)
  .max(1024, 'at most 1024 characters')
  .refine((p) => !p.includes('\0'), 'no NUL characters')
  .refine((p) => !p.replace(/%[jt%]/g, '').includes('%'), 'a path where "%" may only start %j (job id), %t (node rank) or %%');

/** The output path of one node's part: %j, %t and %% replaced. */
export const outputPath = (pattern: string, jobId: string, rank: number): string =>
  pattern.replace(/%([jt%])/g, (_, c: string) => (c === 'j' ? jobId : c === 't' ? String(rank) : '%'));

const jobIdsSchema = z.array(z.string().regex(/^[a-z]+-[a-z0-9]{1,40}(_[0-9]{1,7})?$/, 'a job id, e.g. j-mbx1k2a3f09c1d, or an array task, j-mbx1k2a3f09c1d_3')).max(64, 'at most 64 jobs');
const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** A flexibility class (docs/scheduling.md, "Flexibility"): 0, 10, 25 or 50 (% throughput a job may lose when the site sheds). */
export const flexSchema = z.union([z.literal(0), z.literal(10), z.literal(25), z.literal(50)], { message: 'a flexibility class: 0, 10, 25 or 50 (% slowdown tolerated)' });

/**
 * What a user submits (YAML or flags). Unknown fields are errors, not silently dropped.
 * Sizes are bounded (JOB_SPEC_LIMITS; the whole spec by parseJobSpec).
 */
export const jobSpecSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'use 1-63 letters, digits, ".", "_" or "-"'),
  team: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use 1-63 lowercase letters, digits or "-"').default('default'),
  command: z
    .array(z.string().min(1))
    .min(1, 'give the program to run, e.g. ["python", "train.py"]')
    .max(argvEntries, `at most ${argvEntries} entries with args`),
  args: z.array(z.string()).max(argvEntries, `at most ${argvEntries} entries with command`).default([]),
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a valid environment variable name'), z.string())
    .superRefine((env, ctx) => {
      let bytes = 0;
      for (const [name, value] of Object.entries(env)) bytes += utf8Bytes(name) + utf8Bytes(value);
      if (bytes > envBytes) ctx.addIssue({ code: 'custom', message: `names and values come to ${formatBytes(bytes)}: at most ${formatBytes(envBytes)}` });
    })
    .default({}),
  /** No image: the process runtime runs the command on the host. */
  image: z.string().min(1).optional(),
  /** GPUs on each node. */
  gpus: z.number().int().min(0).max(64),
  /** Nodes of a gang: all start together or none does. */
  nodes: z.number().int().min(1).max(4096).default(1),
  /** Accepted GPU models; empty accepts any. */
  gpuModels: z
    .array(z.string().transform((s) => s.toUpperCase()).pipe(z.enum(GPU_MODEL_NAMES as [string, ...string[]], { message: `unknown GPU model: use one of ${GPU_MODEL_NAMES.join(', ')}` })))
    .default([]),
  priority: z.number().int().min(0).max(1000).default(100),
  maxRuntime: durationSeconds.pipe(z.number().max(maxRuntimeSeconds, `at most 30d (${maxRuntimeSeconds} seconds)`)).optional(),
  power: powerPolicySchema.default({}),
  checkpoint: checkpointSchema.default({ signal: 'SIGTERM', graceSeconds: 30 }),
  /** May be checkpointed (signal, grace) and requeued for higher-priority work or a cap drop. */
  preemptible: z.boolean().default(true),
  /** The working directory on the node (container jobs: in the image). Default: a scratch directory per attempt, removed when it ends. */
  workdir: nodePathSchema.optional(),
  /** Also write stdout (output) and stderr (error) to these files on each node, besides the log stream. */
  output: outputPathSchema.optional(),
  error: outputPathSchema.optional(),
  /** Container jobs: host paths under the site's allowedMounts. */
  mounts: z.array(mountSchema).max(32, 'at most 32 mounts').default([]),
  /** Start only after these jobs succeeded (sbatch --dependency=afterok). */
  afterOk: jobIdsSchema.default([]),
  /** Start only after these jobs ended, however they ended (sbatch --dependency=afterany). */
  afterAny: jobIdsSchema.default([]),
  /** Flexibility class: % of throughput the job tolerates losing when the site sheds (0, 10, 25, 50); default its team's. */
  flex: flexSchema.optional(),
  /** CPU and memory limits of each node's part; containers enforce them (the process runtime refuses them). */
  resources: z
    .strictObject({ cpus: z.number().positive().max(1024).optional(), memoryMib: z.number().int().positive().max(16 * 1024 * 1024).optional() })
    .default({}),
}).superRefine((spec, ctx) => {
  if (spec.mounts.length && !spec.image) ctx.addIssue({ code: 'custom', path: ['mounts'], message: 'only container jobs (image) mount volumes; a process job sees the node\'s files as they are' });
  const entries = spec.command.length + spec.args.length;
  if (entries > argvEntries) ctx.addIssue({ code: 'custom', path: ['args'], message: `command and args have ${entries} entries: at most ${argvEntries}` });
  // Limits no accepted GPU could apply are typos (a kW for a W), not a wait.
  const { minW, maxW } = powerRange(spec.gpuModels);
  const of = spec.gpuModels.length ? `${spec.gpuModels.join('|')} GPUs accept` : 'GPUs of any known model accept';
  for (const key of ['minWatts', 'maxWatts'] as const) {
    const w = spec.power[key];
    if (w !== undefined && (w < minW || w > maxW)) ctx.addIssue({ code: 'custom', path: ['power', key], message: `${w} W is outside the ${minW}-${maxW} W that ${of}` });
  }
});

export type JobSpecInput = z.input<typeof jobSpecSchema>;
export type JobSpec = z.output<typeof jobSpecSchema>;

export const JOB_STATES = ['PENDING', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
export const isTerminal = (s: JobState): boolean => TERMINAL_STATES.has(s);

/** One node's part of a placed job. */
export interface Assignment {
  nodeId: string;
  gpuIndices: number[];
  gpuModel: string;
  started: boolean;
  startedAt?: number;
  /** This part exited or failed to start: its GPUs are free again. */
  ended: boolean;
  /** It ended because its node was lost, not by an exit the agent saw. */
  lost?: boolean;
  exitCode?: number;
}

/** A job as the scheduler stores it (KV bucket wp-jobs, key = id). */
export interface Job {
  id: string;
  spec: JobSpec;
  /** Who submitted it (a user name): its processes run as this user's Unix account (docs/security.md). */
  owner: string;
  state: JobState;
  /** Why it waits, or why it ended. */
  reason: string;
  submittedAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Attempt number, 1-based; 0 until first placed. */
  attempt: number;
  /** Unique per attempt; agents apply commands idempotently by it. */
  attemptId: string;
  assignments: Assignment[];
  /** Every node an attempt of this job was placed on: whose log lines belong to it. */
  placedOn?: string[];
  /** Per-GPU power limit the agents apply, W. */
  powerLimitW: number;
  /** Facility watts (PUE included) this job holds against the cap. */
  allocatedFacilityW: number;
  exitCode?: number;
  cancelRequested?: boolean;
  /** Why it is being preempted: once every part has exited it goes back to the queue. */
  preempting?: string;
  /** Its per-GPU limit over time, latest last (the last LIMIT_HISTORY changes). */
  limitHistory?: LimitChange[];
  /**
   * Usage records of ended attempts not yet on the accounting stream: stored with the
   * change that ended the attempt, so a crash before the stream has them loses none.
   */
  pendingUsage?: UsageRecord[];
  /** The submitter's request id: a retried submit with it (same owner) returns this job. */
  requestId?: string;
  /** A task of an array (`submit --array`): WATTPACK_ARRAY_JOB_ID and WATTPACK_ARRAY_INDEX in its env. */
  array?: ArrayTask;
  /** Where this attempt's ranks meet (MASTER_ADDR, MASTER_PORT): rank 0's node, a port of the site's range. */
  rendezvous?: Rendezvous;
  /** Its afterOk/afterAny jobs were found done: it stays free to run once they are swept away. */
  dependenciesMet?: boolean;
  /**
   * The one-node attempt last requeued because its node went silent: its late exit, if the
   * node comes back with one, settles the job when the next attempt has not started yet.
   */
  lostAttempt?: LostAttempt;
}

/** A requeued attempt judged lost with its node: what its late result needs. */
export interface LostAttempt {
  attempt: number;
  attemptId: string;
  /** Its part as it was before it counted as ended. */
  part: Assignment;
  /** The facility watts it held against the cap, to hold again if it is found running. */
  allocatedFacilityW: number;
}

export interface ArrayTask {
  jobId: string;
  index: number;
  /** At most this many of the array's tasks hold GPUs at once. */
  maxRunning?: number;
  /** On the first task until all the others are stored: the array's expression (intake.ts). */
  pending?: string;
}

export interface Rendezvous {
  address: string;
  port: number;
}

export interface LimitChange {
  at: number;
  limitW: number;
  /** placed, right-size, held back, raise, shave, shed */
  why: string;
  /** When every GPU of the job reported the limit enforced. */
  confirmedAt?: number;
}

export const LIMIT_HISTORY = 20;

/** A job's measured power (the scheduler's rolling profile of its agents' reports). */
export interface JobPowerSummary {
  p50W: number;
  p99W: number;
  heldFraction: number;
  samples: number;
}

/** Issues listed in one message; the rest are counted. */
const ISSUES_SHOWN = 5;

/**
 * Formats a zod error as "field: message" lines that name the offending field. Names the
 * user made up (unknown fields, env names) are clipped: a message never repeats more than
 * a short prefix of the input.
 */
export function describeIssues(error: z.ZodError): string {
  const lines = error.issues.slice(0, ISSUES_SHOWN).map((i) => {
    const path = i.path.length ? i.path.map((p) => clip(String(p))).join('.') : '(spec)';
    if (i.code === 'unrecognized_keys') {
      const keys = i.keys.slice(0, ISSUES_SHOWN).map((k) => JSON.stringify(clip(k)));
      const more = i.keys.length > ISSUES_SHOWN ? ` and ${i.keys.length - ISSUES_SHOWN} more` : '';
      return `${path === '(spec)' ? '' : path + ': '}unknown field(s) ${keys.join(', ')}${more}`;
    }
    return `${path}: ${messageOf(i)}`;
  });
  if (error.issues.length > ISSUES_SHOWN) lines.push(`and ${error.issues.length - ISSUES_SHOWN} more`);
  return lines.join('; ');
}

/** Zod's message, or the one our schema gave where zod wraps it (a record's key, a union such as a duration). */
function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key' && issue.issues[0]) return issue.issues[0].message;
  if (issue.code === 'invalid_union') {
    // The branches that got a value of their type: "2x" is a string, so the duration's message.
    const typed = issue.errors.filter((branch) => !branch.every((e) => e.code === 'invalid_type' && e.path.length === 0));
    if (typed.length === 1 && typed[0]![0]) return typed[0]![0].message;
  }
  return issue.message;
}

/**
 * Checks a spec as sent: its size serialized as JSON (`serialized`, what went or goes over
 * the wire), then its fields. The error names the fields and what they allow.
 */
export function parseJobSpec(raw: unknown, serialized: string = JSON.stringify(raw) ?? ''): { success: true; data: JobSpec } | { success: false; error: string } {
  const bytes = utf8Bytes(serialized);
  if (bytes > JOB_SPEC_LIMITS.specBytes) {
    let largest = '';
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
      const sizes = Object.entries(raw).map(([k, v]) => [k, utf8Bytes(JSON.stringify(k)) + 1 + utf8Bytes(JSON.stringify(v) ?? '')] as const).sort((a, b) => b[1] - a[1]);
      if (sizes[0]) largest = ` (its largest field, ${JSON.stringify(clip(sizes[0][0]))}, is ${formatBytes(sizes[0][1])})`;
    }
    return { success: false, error: `the whole spec is ${formatBytes(bytes)} as JSON: at most ${formatBytes(JOB_SPEC_LIMITS.specBytes)}${largest}` };
  }
  const parsed = jobSpecSchema.safeParse(raw);
  return parsed.success ? { success: true, data: parsed.data } : { success: false, error: describeIssues(parsed.error) };
}
