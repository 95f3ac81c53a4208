import { z } from 'zod';
import { durationSeconds } from './duration.js';
import { GPU_MODEL_NAMES } from './gpu-models.js';

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

/** What a user submits (YAML or flags). Unknown fields are errors, not silently dropped. */
export const jobSpecSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'use 1-63 letters, digits, ".", "_" or "-"'),
  team: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use 1-63 lowercase letters, digits or "-"').default('default'),
  command: z.array(z.string().min(1)).min(1, 'give the program to run, e.g. ["python", "train.py"]'),
  args: z.array(z.string()).default([]),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a valid environment variable name'), z.string()).default({}),
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
  maxRuntime: durationSeconds.optional(),
  power: powerPolicySchema.default({}),
  checkpoint: checkpointSchema.default({ signal: 'SIGTERM', graceSeconds: 30 }),
  /** May be checkpointed (signal, grace) and requeued for higher-priority work or a cap drop. */
  preemptible: z.boolean().default(true),
  /** CPU and memory limits of each node's part; containers enforce them (the process runtime refuses them). */
  resources: z
    .strictObject({ cpus: z.number().positive().max(1024).optional(), memoryMib: z.number().int().positive().max(16 * 1024 * 1024).optional() })
    .default({}),
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

/** Formats a zod error as "field: message" lines that name the offending field. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path.length ? i.path.join('.') : '(spec)';
      if (i.code === 'unrecognized_keys') return `${path === '(spec)' ? '' : path + ': '}unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      return `${path}: ${i.message}`;
    })
    .join('; ');
}
