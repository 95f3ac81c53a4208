import { z } from 'zod';
import { durationSeconds } from './duration.js';
import { DEFAULT_MAX_QUEUED_PER_TEAM } from './limits.js';
import { usersSchema } from './job-user.js';
import { fairShareSchema, pricesSchema } from './accounting.js';
import { flexSchema, mountPathSchema, nodePathSchema } from './job.js';
import { meterSchema } from './meter.js';
import { openadrSchema } from './openadr.js';
import { defaultPowerSaving, powerSavingSchema } from './power-saving.js';

const portSchema = z.number().int().min(1024).max(65_535);

/** The site settings' fields, each checked alone: extend this one (a refined object cannot be extended). */
export const siteFieldsSchema = z.strictObject({
  name: z.string().min(1).default('local'),
  /** Facility power cap, MW: the whole site, cooling included. */
  capMw: z.number().positive().max(10_000).default(18),
  /** Facility watts per IT watt. */
  pue: z.number().min(1).max(3).default(1.2),
  /** Share of the cap held back as headroom against surges. */
  reserveFraction: z.number().min(0).max(0.5).default(0.02),
  /** Host power of a GPU server (CPUs, fans, NICs, switches), used when an agent reports none. */
  hostPower: z
    .strictObject({ idleW: z.number().nonnegative().default(1000), busyW: z.number().nonnegative().default(2500) })
    .default({ idleW: 1000, busyW: 2500 }),
  /** A node whose reports stop for this long is NOT_READY: it takes no new work. */
  nodeLeaseSeconds: z.number().positive().default(15),
  /**
   * A node silent this long (at least its lease) has its attempts lost and requeued elsewhere.
   * Longer than the lease, like Kubernetes' 300 s not-ready toleration and Slurm's
   * SlurmdTimeout: a node that is only slow (a starved agent) keeps its running jobs instead
   * of running them twice; a dead node's jobs restart this much later (docs/operations.md).
   */
  nodeLostSeconds: z.number().positive().default(60),
  reportIntervalMs: z.number().int().min(100).max(60_000).default(1000),
  /** How fast facility power may rise, MW per minute (unset: no limit). */
  rampMwPerMin: z.number().positive().optional(),
  /** Runtime assumed for jobs without maxRuntime, for backfill reservations (seconds or e.g. "4h"). */
  defaultRuntime: durationSeconds.default(4 * 3600),
  /**
   * How long a finished job stays in the scheduler's store (memory and KV) for `wattpack job`,
   * `jobs` and request-id retries; after it, only history has it. Slurm's MinJobAge, Nomad's
   * job GC: without it the store grows with every job ever run.
   */
  finishedJobRetention: durationSeconds.default(3600),
  /**
   * Throughput against power limit measured on a GPU model (by catalog name), for models
   * whose curve differs from the H200's; others use the H200 training curve scaled to their max.
   */
  curves: z
    .record(
      z.string().min(1),
      z
        .array(z.strictObject({ limitW: z.number().positive(), relativeThroughput: z.number().min(0).max(1.5) }))
        .min(2, 'give at least two points')
        .transform((points) => [...points].sort((a, b) => a.limitW - b.limitW).map((p) => ({ ...p, meanDrawW: p.limitW }))),
    )
    .default({}),
  /**
   * Right-sizing running jobs' limits from their measured draw (docs/scheduling.md):
   * after warmupSeconds, a job's limit follows its p99 draw over the last windowSamples
   * reports plus a margin; one held back at its limit in heldFraction of them gets watts back.
   */
  rightSizing: z
    .strictObject({
      enabled: z.boolean().default(true),
      warmupSeconds: z.number().nonnegative().max(86_400).default(120),
      windowSamples: z.number().int().min(1).max(3600).default(300),
      minSamples: z.number().int().min(1).max(3600).default(10),
      marginFraction: z.number().min(0).max(1).default(0.1),
      minMarginW: z.number().min(0).max(500).default(25),
      heldFraction: z.number().min(0).max(1).default(0.05),
    })
    .default({ enabled: true, warmupSeconds: 120, windowSamples: 300, minSamples: 10, marginFraction: 0.1, minMarginW: 25, heldFraction: 0.05 }),
  /** Guaranteed shares per team (GPUs, facility MW); teams not listed split the rest evenly. */
  teams: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a team name'), z.strictObject({ gpus: z.number().int().nonnegative().optional(), mw: z.number().nonnegative().optional() }))
    .default({}),
  /** Each team's flexibility class for jobs that name none ("*": every other team); unset: the job's power range alone. */
  flexDefaults: z.record(z.union([z.literal('*'), z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a team name or *')]), flexSchema).default({}),
  /**
   * What shedding does once every flexible job is at its class's limit (docs/scheduling.md,
   * "Beyond tolerance"): `stop` checkpoints and requeues (Slurm's and Kubernetes' way);
   * `slow` first lowers limits below the classes where that loses less throughput per watt.
   */
  shedding: z.strictObject({ beyondTolerance: z.enum(['stop', 'slow']).default('stop') }).default({ beyondTolerance: 'stop' }),
  /** Submits are refused while a team has this many jobs PENDING (0: no limit): one team cannot flood the queue. */
  maxQueuedPerTeam: z.number().int().nonnegative().default(DEFAULT_MAX_QUEUED_PER_TEAM),
  /** Grid events: the cap drops to capMw for a window; notice is how early it was announced. */
  gridEvents: z
    .array(
      z.strictObject({
        startMs: z.number().int().nonnegative(),
        durationS: z.number().int().positive(),
        capMw: z.number().nonnegative(),
        noticeS: z.number().int().nonnegative().default(0),
        /** A relative event: capMw was the measured baseline (baselineW, facility W) times (1 - reduceFraction). */
        reduceFraction: z.number().gt(0, 'a share above 0').lt(1, 'a share below 1 (100 %)').optional(),
        baselineW: z.number().nonnegative().optional(),
        /** Where it came from when not an operator: "openadr:<eventID>:<interval id>" (the VEN replaces its own). */
        source: z.string().max(300).optional(),
      }),
    )
    .default([]),
  /**
   * Who jobs run as (docs/security.md): owner name, or "*" for everyone not listed, to
   * { uid, gid } or { account }. Owners not mapped run as the node's Unix account of their name.
   */
  users: usersSchema,
  /** Prices accounting records are costed at (docs/accounting.md). */
  prices: pricesSchema,
  /** How long fair share remembers a team's usage (docs/scheduling.md, "Fair share"). */
  fairShare: fairShareSchema,
  /**
   * The facility meter read over Modbus TCP (docs/metering.md): measured facility power is
   * the truth the cap is held to; unset, the model alone counts.
   */
  meter: meterSchema.optional(),
  /** The utility's OpenADR 3 VTN (docs/grid.md): its events become grid events; unset, only operators set them. */
  openadr: openadrSchema.optional(),
  /** Powering idle servers off and on (docs/scheduling.md, "Power saving"); off unless enabled. */
  powerSaving: powerSavingSchema.default(defaultPowerSaving),
  /** Teams whose container jobs share the host's network (multi-node jobs need it); others get the engine's private network. */
  allowHostNetwork: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a team name')).default([]),
  /**
   * Site storage every node mounts at the same path: each job's checkpoint directory
   * (WATTPACK_CHECKPOINT_DIR) is <checkpointRoot>/<job id>, kept across attempts and nodes.
   */
  checkpointRoot: mountPathSchema.default('/var/lib/wattpack/checkpoints'),
  /** Host paths container jobs may mount (each with what lies under it); anything else is refused at submit. */
  allowedMounts: z.array(mountPathSchema).default([]),
  /** What every container job gets: /dev/shm size and IPC mode (NCCL and dataloaders share memory), host devices such as /dev/infiniband. */
  containers: z
    .strictObject({
      shmSize: z.string().regex(/^[1-9][0-9]*[kmg]?$/, 'a size such as 16g, 512m').default('16g'),
      ipc: z.enum(['private', 'host']).default('private'),
      devices: z.array(nodePathSchema).default([]),
    })
    .default({ shmSize: '16g', ipc: 'private', devices: [] }),
  /** Ports on rank 0's node the scheduler hands to jobs as MASTER_PORT; keep them for wattpack's jobs. */
  rendezvousPorts: z
    .strictObject({ from: portSchema, to: portSchema })
    .refine((r) => r.from <= r.to, { message: 'from must not exceed to', path: ['from'] })
    .default({ from: 29_500, to: 29_999 }),
});

/** What holds between fields. */
export function siteRules(s: z.output<typeof siteFieldsSchema>, ctx: z.RefinementCtx): void {
  if (s.nodeLostSeconds < s.nodeLeaseSeconds) {
    ctx.addIssue({ code: 'custom', path: ['nodeLostSeconds'], message: `at least nodeLeaseSeconds (${s.nodeLeaseSeconds}): a node is judged lost only after it stops being ready` });
  }
}

/** Site settings (KV bucket wp-site, key "config"; seeded from --site or defaults). */
export const siteConfigSchema = siteFieldsSchema.superRefine(siteRules);

export type SiteConfigInput = z.input<typeof siteConfigSchema>;
export type SiteConfig = z.output<typeof siteConfigSchema>;

export const defaultSiteConfig = (): SiteConfig => siteConfigSchema.parse({});

/** Watts the scheduler may allocate: cap minus reserve. */
export const allocatableWatts = (site: Pick<SiteConfig, 'capMw' | 'reserveFraction'>): number =>
  site.capMw * 1e6 * (1 - site.reserveFraction);

/**
 * A GPU server's host power as declared: its own figures where it gives them (0 or absent:
 * none), else the site's `hostPower`. The live scheduler applies it to what an agent's
 * inventory says, the simulator to a node group of its site file.
 */
export function declaredHostPower(site: Pick<SiteConfig, 'hostPower'>, own: { idleW?: number | undefined; busyW?: number | undefined }): { idleW: number; busyW: number } {
  return { idleW: own.idleW || site.hostPower.idleW, busyW: own.busyW || site.hostPower.busyW };
}

/** The flexibility class of a team's jobs that name none: the team's default, else the site's for every team ("*"). */
export function teamFlex(site: Pick<SiteConfig, 'flexDefaults'>, team: string): number | undefined {
  return site.flexDefaults[team] ?? site.flexDefaults['*'];
}
