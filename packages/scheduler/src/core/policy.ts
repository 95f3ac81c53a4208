import type { CurvePoint } from '@wattpack/common/daemon';

/** How the core decides; the simulator runs several side by side on the same input. */

export const POLICY_NAMES = ['fifo', 'backfill', 'wattpack', 'wattpack-static'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export interface TeamShare {
  /** Guaranteed GPUs and facility MW; a team may borrow beyond them while others leave them idle. */
  gpus?: number;
  mw?: number;
}

export interface Policy {
  /**
   * fifo: first come, first served, GPUs at max power, the queue's head blocks the rest.
   * backfill: EASY backfill (the head gets a reservation; later jobs may jump ahead only
   * if they do not delay it), GPUs at max power.
   * wattpack: backfill plus fair share, power limits chosen by throughput per watt,
   * miners as the flexible load, preemption. docs/scheduling.md states its objective.
   * fifo and backfill treat miners as fixed load, as a scheduler blind to them would.
   * wattpack-static: wattpack without right-sizing (limits never follow measured draw).
   */
  name: PolicyName;
  /** Runtime assumed for jobs with no max runtime (s): a reservation needs an end. */
  defaultRuntimeS: number;
  teams: Record<string, TeamShare>;
  /** Relative throughput against per-GPU limit (H200 points; scaled to each GPU's max). */
  curve: readonly CurvePoint[];
  /** Curves measured on other models, by catalog name; a model without one uses `curve`, scaled. */
  curves?: Readonly<Record<string, readonly CurvePoint[]>>;
  /** Work a preempted job loses at most: the interval between its checkpoints (s). */
  checkpointIntervalS: number;
  /** Blocked jobs per pass that may look for victims or shave others' limits (bounds a pass's cost). */
  maxRescuesPerPass: number;
  /** Limit changes smaller than this are not worth a command (W). */
  minLimitChangeW: number;
  /**
   * How fast the site's facility power may rise (W per second; unset: no limit). Starts,
   * raised limits and woken miners are staggered to stay under it; falls for safety (a cap
   * drop) are not held back.
   */
  rampWPerS?: number;
  /** wattpack: right-size running jobs' limits from their measured draw (absent: static limits). */
  rightSizing?: RightSizing;
  /**
   * wattpack: each team's past usage, decayed by the site's half-life (from the accounting
   * store; absent or empty: no history, so fair share looks at current use only).
   */
  history?: Readonly<Record<string, TeamUsage>>;
  /**
   * After a shed, for `ms`, new starts and raises see the budget less `marginFraction` of
   * the cap: they wait for the meter's correction to catch up (absent: no hold).
   */
  settleAfterShed?: { ms: number; marginFraction: number };
  /** Power idle nodes off and on (core/power-saving.ts; absent: never). */
  powerSaving?: PowerSavingPolicy;
  /** wattpack: shedding past every class's tolerance slows jobs further before it checkpoints (core/beyond-tolerance.ts); absent: checkpoints at once. */
  slowBeyondTolerance?: boolean;
  /**
   * wattpack with power saving, when shedding checkpoints (core/checkpoint-order.ts): false
   * goes back to the most flexible class first, the lightest server's jobs first, and a
   * server emptied counted at idle. Default on; the two are apart to measure each
   * (sim/event-bound-run.ts).
   */
  shedByValue?: boolean;
  shedCountsEmptiedOff?: boolean;
}

/** What the planner needs of the site's powerSaving setting (docs/scheduling.md, "Power saving"). */
export interface PowerSavingPolicy {
  /** Idle this long (s), a node is powered off; Infinity: only to shed load. */
  suspendAfterS: number;
  /** A node not on this long (s) after its power-on is marked down. */
  resumeTimeoutS: number;
  /** Idle nodes of each GPU model kept on. */
  minIdleNodes: number;
  /** Node ids never powered off. */
  excludeNodes: ReadonlySet<string>;
  /** While shedding, jobs run at least this long (s) may move off light servers (consolidate.ts); absent: never. */
  consolidateAfterS?: number;
}

/** A team's decayed past usage: GPU-hours and facility kWh. */
export interface TeamUsage {
  gpuHours: number;
  facilityKwh: number;
}

/** How far right-sizing trusts a job's measured draw (docs/scheduling.md, "Right-sizing"). */
export interface RightSizing {
  /** Headroom above the p99 draw: this share of it, and at least minMarginW. */
  marginFraction: number;
  minMarginW: number;
  /** A job held back at its limit in at least this share of samples wants more watts. */
  heldFraction: number;
}

export const DEFAULT_RIGHT_SIZING: RightSizing = { marginFraction: 0.1, minMarginW: 25, heldFraction: 0.05 };

/** The wattpack family: fair share, limits, miners, preemption. */
export const isWattpack = (p: Pick<Policy, 'name'>): boolean => p.name === 'wattpack' || p.name === 'wattpack-static';

/** The measured training curve of packages/common/data/h200-power-curve.csv (a real training mix). */
export const H200_TRAIN_CURVE: readonly CurvePoint[] = [
  { limitW: 250, meanDrawW: 246.8, relativeThroughput: 0.45 },
  { limitW: 300, meanDrawW: 297.2, relativeThroughput: 0.589 },
  { limitW: 400, meanDrawW: 396.9, relativeThroughput: 0.785 },
  { limitW: 500, meanDrawW: 491.8, relativeThroughput: 0.881 },
  { limitW: 600, meanDrawW: 586.1, relativeThroughput: 0.96 },
  { limitW: 700, meanDrawW: 647.9, relativeThroughput: 1 },
];

export function defaultPolicy(name: PolicyName = 'wattpack', extra: Partial<Omit<Policy, 'name'>> = {}): Policy {
  return {
    name,
    defaultRuntimeS: 4 * 3600,
    teams: {},
    curve: H200_TRAIN_CURVE,
    checkpointIntervalS: 600,
    maxRescuesPerPass: 4,
    minLimitChangeW: 10,
    ...(name === 'wattpack' ? { rightSizing: DEFAULT_RIGHT_SIZING } : {}),
    ...extra,
  };
}
