import { z } from 'zod';
import { durationSeconds } from './duration.js';

/**
 * Accounting (docs/accounting.md): one record per attempt that ended, what it used and
 * what it cost. The scheduler writes it to the WP_ACCOUNTING stream, keyed by attempt id,
 * and from there into the SQL store that `wattpack history` and `wattpack usage` read.
 */

/** How an attempt ended: the job's final state, or REQUEUED (preempted or lost, it runs again). */
export const ATTEMPT_ENDS = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'REQUEUED'] as const;
export type AttemptEnd = (typeof ATTEMPT_ENDS)[number];

const kwh = z.number().nonnegative();

export const usageRecordSchema = z.strictObject({
  attemptId: z.string().min(1).max(200),
  jobId: z.string().min(1).max(200),
  attempt: z.number().int().nonnegative(),
  jobName: z.string().max(200),
  user: z.string().max(200),
  team: z.string().max(200),
  nodes: z.array(z.string().max(200)).max(10_000),
  gpus: z.number().int().nonnegative(),
  gpuModel: z.string().max(200),
  startedAt: z.number().int().nonnegative(),
  endedAt: z.number().int().nonnegative(),
  state: z.enum(ATTEMPT_ENDS),
  /** Why it ended: exit code, signal, failure, preemption or loss, as the job's reason says it. */
  reason: z.string().max(2000),
  exitCode: z.number().int().optional(),
  gpuHours: z.number().nonnegative(),
  /** Integrated from the GPUs' measured draw. */
  gpuKwh: kwh,
  /** The attempt's share of its nodes' host power (busy host watts × its GPUs / the node's GPUs). */
  hostKwh: kwh,
  /** (GPUs + host share) × PUE. */
  facilityKwh: kwh,
  /** Measured GPU draw over the attempt's GPUs: time-weighted mean and highest sample, W. */
  meanW: z.number().nonnegative(),
  peakW: z.number().nonnegative(),
  /** Seconds of the attempt that reports covered; the rest is extrapolated from the nearest sample. */
  measuredS: z.number().nonnegative(),
  /** Per-GPU limits it ran under: lowest, highest, and how many changes. */
  limits: z.strictObject({ minW: z.number().nonnegative(), maxW: z.number().nonnegative(), changes: z.number().int().nonnegative() }),
  preempted: z.boolean(),
  /** GPU-hours done since its last checkpoint, lost when a preempted or lost attempt runs again. */
  workLostGpuHours: z.number().nonnegative(),
  cost: z.strictObject({ energy: z.number().nonnegative(), gpu: z.number().nonnegative(), total: z.number().nonnegative(), currency: z.string().max(10) }),
});

export type UsageRecord = z.output<typeof usageRecordSchema>;

/** What a site charges (site settings `prices`): facility energy per MWh and GPU time per GPU-hour. */
export const pricesSchema = z
  .strictObject({
    energyPerMwh: z.number().nonnegative().max(1e6).default(0),
    gpuHour: z.number().nonnegative().max(1e6).default(0),
    currency: z.string().regex(/^[A-Z]{3}$/, 'a three-letter currency code such as USD').default('USD'),
  })
  .default({ energyPerMwh: 0, gpuHour: 0, currency: 'USD' });

/** Fair share's memory of past usage (docs/scheduling.md): it halves every halfLife, like Slurm's PriorityDecayHalfLife. */
export const fairShareSchema = z
  .strictObject({ decayHalfLife: durationSeconds.default(7 * 86400) })
  .default({ decayHalfLife: 7 * 86400 })
  .refine((f) => f.decayHalfLife > 0, { message: 'decayHalfLife: give a duration above 0, e.g. 7d', path: ['decayHalfLife'] });

/** The cost of an attempt at the site's prices. */
export function costOf(prices: z.output<typeof pricesSchema>, facilityKwh: number, gpuHours: number): UsageRecord['cost'] {
  const energy = (facilityKwh / 1000) * prices.energyPerMwh;
  const gpu = gpuHours * prices.gpuHour;
  return { energy, gpu, total: energy + gpu, currency: prices.currency };
}
