import { WattpackError } from '@wattpack/common';
import { plan as corePlan } from '@wattpack/scheduler/core';
import type { Plan, Policy, QueuedJob, SiteSnapshot } from '@wattpack/scheduler/core';
import type { SiteFile } from './site-file.js';
import type { Trace } from './traces/types.js';

/** The core's entry point, or a stand-in (tests script plans with it). */
export type Planner = (site: SiteSnapshot, queue: readonly QueuedJob[], policy: Policy) => Plan;

export interface EngineOptions {
  site: SiteFile;
  trace: Trace;
  policy: Policy;
  /**
   * Seconds a preempted job takes to checkpoint and exit: it holds its GPUs and watts
   * (flagged `stopping` in the snapshot) until then (default 0: it exits at once).
   */
  preemptGraceS?: number;
  /** Virtual seconds between scheduling passes (default 30). */
  cycleS?: number;
  /** A job checkpoints every this many seconds of run time; preemption loses the work since (default 600). */
  checkpointS?: number;
  /** Arrivals k times as dense: inter-arrival times divided by k (default 1). */
  loadScale?: number;
  /** Stop at this virtual time (s from the first submit). */
  untilS?: number;
  /**
   * Skip a cycle's pass when nothing happened since the last pass (no arrival, completion
   * or cap change) and that pass changed nothing: the core is a pure function of the
   * snapshot, so the pass would decide the same again (default true). False: a pass every
   * cycle from the first arrival to the end, for comparison.
   */
  skipQuietCycles?: boolean;
  /**
   * Most queued jobs one pass considers, oldest first, plus the oldest `teamDepth` of
   * every team, so fair share still sees each team's head (default 500; 0: all). Slurm
   * bounds its passes the same way (default_queue_depth, bf_max_job_test).
   */
  queueDepth?: number;
  /** See queueDepth (default 16). */
  teamDepth?: number;
  /** While jobs wait and nothing happens, still pass at least this often (s; 0: never; default 0). */
  idlePassS?: number;
  planner?: Planner;
  /** Keep one record per job (tests, debugging). */
  recordJobs?: boolean;
}

/** The options with their defaults filled in, and whether the policy right-sizes from telemetry. */
export type EngineSettings = Required<Omit<EngineOptions, 'untilS' | 'planner'>> & { untilS: number; planner: Planner; rightSizing: boolean };

/** Checks the options and fills in the defaults. */
export function engineSettings(options: EngineOptions): EngineSettings {
  const cycleS = options.cycleS ?? 30;
  if (!(cycleS > 0)) throw new WattpackError('INVALID_ARGUMENT', `cycleS must be positive, not ${cycleS}`);
  const loadScale = options.loadScale ?? 1;
  if (!(loadScale > 0)) throw new WattpackError('INVALID_ARGUMENT', `--load-scale must be positive, not ${loadScale}`);
  const checkpointS = options.checkpointS ?? 600;
  if (!(checkpointS > 0)) throw new WattpackError('INVALID_ARGUMENT', `checkpointS must be positive, not ${checkpointS}`);
  return {
    site: options.site,
    trace: options.trace,
    policy: options.policy,
    cycleS,
    checkpointS,
    preemptGraceS: options.preemptGraceS ?? 0,
    loadScale,
    untilS: options.untilS ?? Infinity,
    skipQuietCycles: options.skipQuietCycles ?? true,
    idlePassS: options.idlePassS ?? 0,
    queueDepth: options.queueDepth ?? 500,
    teamDepth: options.teamDepth ?? 16,
    planner: options.planner ?? corePlan,
    recordJobs: options.recordJobs ?? false,
    rightSizing: options.policy.rightSizing !== undefined,
  };
}
