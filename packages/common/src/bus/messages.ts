import { z } from 'zod';
import { checkpointSchema, mountSchema } from '../domain/job.js';
import { runAsSchema } from '../domain/job-user.js';

/**
 * Messages on the JetStream subjects of subjects.ts. Every consumer parses with
 * these schemas: a malformed message is logged and acknowledged, never a crash.
 */

const base = {
  /** Unique per command; also the JetStream dedupe id (Nats-Msg-Id). */
  commandId: z.string().min(1),
  issuedAt: z.number(),
  /** The issuing scheduler's term: agents refuse commands from a term older than one they have seen. */
  term: z.number().int().nonnegative().default(0),
};

export const startCommandSchema = z.object({
  ...base,
  kind: z.literal('start'),
  jobId: z.string(),
  attemptId: z.string(),
  attempt: z.number().int().positive(),
  /** This node's rank in the gang, 0-based, and the gang's size. */
  nodeRank: z.number().int().nonnegative(),
  nodeCount: z.number().int().positive(),
  command: z.array(z.string()).min(1),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  image: z.string().optional(),
  gpuIndices: z.array(z.number().int().nonnegative()),
  powerLimitW: z.number().nonnegative(),
  checkpoint: checkpointSchema,
  maxRuntimeSeconds: z.number().int().positive().optional(),
  cpus: z.number().positive().optional(),
  memoryMib: z.number().int().positive().optional(),
  /** The job's owner; the agent runs the attempt as the Unix account of this name unless runAs says otherwise. */
  owner: z.string().min(1),
  /** The site's mapping of the owner (setting `users`), when it has one. uid or gid 0 fails the attempt, never the parse. */
  runAs: runAsSchema.optional(),
  /** Containers share the host's network only when the site allows it for the job's team. */
  hostNetwork: z.boolean().default(false),
  /** Where the ranks meet: rank 0's address and port, and every node's address in rank order. */
  rendezvous: z.object({ address: z.string().min(1), port: z.number().int().positive(), nodes: z.array(z.string()) }).optional(),
  /** The job's checkpoint directory on site storage (the agent creates it, owned by the job's user). */
  checkpointDir: z.string().optional(),
  workdir: z.string().optional(),
  /** Output files of this node's part, %j and %t already replaced. */
  output: z.string().optional(),
  error: z.string().optional(),
  /** Containers: the job's volumes (the scheduler checked them against the site's allowedMounts), /dev/shm, IPC, devices. */
  mounts: z.array(mountSchema).optional(),
  container: z.object({ shmSize: z.string(), ipc: z.enum(['private', 'host']), devices: z.array(z.string()) }).optional(),
});

export const stopCommandSchema = z.object({
  ...base,
  kind: z.literal('stop'),
  jobId: z.string(),
  attemptId: z.string(),
  reason: z.string(),
  signal: z.string(),
  graceSeconds: z.number().int().nonnegative(),
});

export const setPowerCommandSchema = z.object({
  ...base,
  kind: z.literal('set-power'),
  gpuIndices: z.array(z.number().int().nonnegative()),
  /** 0 restores the GPU's default limit. */
  powerLimitW: z.number().nonnegative(),
});

export const minersCommandSchema = z.object({
  ...base,
  kind: z.literal('miners'),
  minerIds: z.array(z.string()),
  action: z.enum(['curtail', 'resume']),
});

export const agentCommandSchema = z.discriminatedUnion('kind', [
  startCommandSchema,
  stopCommandSchema,
  setPowerCommandSchema,
  minersCommandSchema,
]);

export type StartCommand = z.infer<typeof startCommandSchema>;
export type StopCommand = z.infer<typeof stopCommandSchema>;
export type SetPowerCommand = z.infer<typeof setPowerCommandSchema>;
export type MinersCommand = z.infer<typeof minersCommandSchema>;
export type AgentCommand = z.infer<typeof agentCommandSchema>;
/** A command before the sender stamps its term. */
export type AgentCommandInput = z.input<typeof agentCommandSchema>;

const eventBase = {
  nodeId: z.string(),
  jobId: z.string(),
  attemptId: z.string(),
  at: z.number(),
};

export const jobEventSchema = z.discriminatedUnion('kind', [
  z.object({ ...eventBase, kind: z.literal('started') }),
  z.object({
    ...eventBase,
    kind: z.literal('exited'),
    exitCode: z.number().int(),
    /** Set when the process died of a signal. */
    signal: z.string().optional(),
    reason: z.string().optional(),
  }),
  /** The attempt never ran on this node (command not found, bad image...). */
  z.object({ ...eventBase, kind: z.literal('failed'), reason: z.string() }),
]);

export type JobEvent = z.infer<typeof jobEventSchema>;

/** At most this many events in one message (well under NATS's 1 MiB payload with long reasons). */
export const MAX_EVENTS_PER_MESSAGE = 64;

/**
 * A node's events that were ready together, in one message on its event subject: one
 * JetStream publish and one acknowledgement instead of one each. A message holds either
 * one event as it is or `{ events }`; each event is checked on its own (jobEventSchema).
 */
const jobEventBatchSchema = z.object({ events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_MESSAGE) });

/** The events a message on an event subject holds, unchecked: a batch's, or the message itself. */
export function jobEventBodies(body: unknown): unknown[] {
  // Checked first: zod's failed parse of every single event's message would cost an error object.
  if (typeof body !== 'object' || body === null || !('events' in body)) return [body];
  const batch = jobEventBatchSchema.safeParse(body);
  return batch.success ? batch.data.events : [body];
}

export const logRecordSchema = z.object({
  jobId: z.string(),
  attemptId: z.string(),
  nodeId: z.string(),
  stream: z.enum(['stdout', 'stderr']),
  line: z.string(),
  at: z.number(),
});

export type LogRecord = z.infer<typeof logRecordSchema>;
