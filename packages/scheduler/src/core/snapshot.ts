/**
 * What the core sees: a read-only picture of the site and the queue. Built by
 * state/snapshot-builder.ts from the live state, or by the simulator from a trace.
 */

/**
 * A GPU's hardware (index, model, bounds, idle draw) is its view object's for life: the
 * core keeps what it built from a view between passes (site-base.ts) and rereads only
 * `jobId` and `limitW`; a driver that changes the hardware gives a new object.
 */
export interface GpuView {
  index: number;
  model: string;
  minW: number;
  maxW: number;
  /** Draw of an idle GPU: what it costs the site while nobody uses it. */
  idleW: number;
  /**
   * Job holding this GPU, and the power limit it counts at: the highest limit any of the
   * job's GPUs is commanded or enforces (they share one; a change may be half applied).
   */
  jobId?: string;
  limitW?: number;
}

export interface MinerView {
  id: string;
  nameplateW: number;
  /** Nameplate hashrate: with the hashprice, what a watt of mining is worth. */
  hashrateThs?: number;
  curtailed: boolean;
}

export interface NodeView {
  id: string;
  labels: Readonly<Record<string, string>>;
  /** False when the node may not take new work (down, unhealthy); its watts still count. */
  schedulable: boolean;
  hostIdleW: number;
  hostBusyW: number;
  gpus: GpuView[];
  miners: MinerView[];
  /** Power saving (core/power-saving.ts); absent: on. Only an `on` node takes work. */
  power?: NodePower;
  /** IT watts while off (its BMC in standby). */
  standbyW?: number;
  /** Since when no GPU of it is held (ms): power saving's idle timer. */
  idleSinceMs?: number;
  /** When its last power-on was sent (ms): power saving's resume timeout. */
  resumedAtMs?: number;
}

/**
 * A node's power, as Slurm shows it: on; suspending (idle%, told to power off) counts at
 * idle watts until its BMC reads it off (a shutdown can be ignored), though a shed takes
 * no more for watts on their way out, as for a stopping job's; off (idle~) counts at
 * standby watts; resuming (idle#) counts at idle watts and takes no work until it is on.
 */
export type NodePower = 'on' | 'suspending' | 'off' | 'resuming';

export interface SiteSnapshot {
  /** The planning instant (ms): wall clock live, virtual clock in the simulator. */
  now: number;
  capW: number;
  reserveFraction: number;
  pue: number;
  nodes: NodeView[];
  /** Jobs holding GPUs now (their GPUs carry jobId in `nodes`). */
  running: RunningJob[];
  /**
   * The facility meter's measured/modeled (>= 1; docs/metering.md): every facility watt
   * the model counts is counted this many times, so the cap holds at the meter.
   */
  meterFactor?: number;
  /**
   * When a pass last shed load (ms; the live loop's memory): the meter's correction lags
   * a shed by its window, so new starts keep a margin below the cap until it has settled.
   */
  shedAtMs?: number;
  /**
   * The next lower cap already announced (a grid event) and when it counts (ms): jobs that
   * would still run then start only on watts it leaves (core/place.ts).
   */
  capAhead?: { at: number; capW: number };
  /** For the ramp limit: the allocated facility watts after the previous pass, and when. */
  ramp?: { fromW: number; atMs: number };
}

/** What a job's power telemetry says, after warm-up (core/power-profile.ts). */
export interface JobPower {
  /** Draw of its hottest GPU, W. */
  p50W: number;
  p99W: number;
  /** Share of samples in which its limit held it back (clocks capped by the power limit). */
  heldFraction: number;
  samples: number;
}

export interface RunningJob {
  id: string;
  team: string;
  priority: number;
  startedAt: number;
  /** Expected end (ms) from the max runtime, or the policy's default runtime. */
  expectedEndAt: number;
  gpus: number;
  nodes: number;
  powerLimitW: number;
  minW?: number;
  maxW?: number;
  /** May be checkpointed and requeued for higher-priority work. */
  preemptible: boolean;
  /** Flexibility class: % throughput it tolerates losing when the site sheds (core/flex.ts); unset: its power range bounds it. */
  flex?: number;
  /** Already told to stop (preempted, cancelled): its watts count until it exits. */
  stopping?: boolean;
  /** Its measured power; absent while warming up or without telemetry. */
  power?: JobPower;
  /**
   * Its node's telemetry stopped: its limit stays as it is (never raised blind, never
   * lowered by a command that may not arrive) and counts in full.
   */
  telemetryLost?: boolean;
}

export interface QueuedJob {
  id: string;
  team: string;
  priority: number;
  submittedAt: number;
  /** GPUs per node, and nodes in the gang. */
  gpus: number;
  nodes: number;
  /** Accepted GPU models; empty accepts any. */
  gpuModels: readonly string[];
  /** Per-GPU power policy, W; unset min means "no capping below max". */
  minW?: number;
  maxW?: number;
  /** Max runtime (s); unset takes the policy's default. */
  maxRuntimeS?: number;
  preemptible?: boolean;
  /** Flexibility class, as RunningJob's: it also floors the limit the job starts at. */
  flex?: number;
}

export interface PlacedNode {
  nodeId: string;
  gpuIndices: number[];
  gpuModel: string;
}

export interface Placement {
  jobId: string;
  nodes: PlacedNode[];
  /** Per-GPU limit the agents must apply. */
  powerLimitW: number;
  /** Facility watts (PUE included) the placement adds. */
  facilityW: number;
}

/** Why a job waits. `gpus` and `power` are "not now"; `never` cannot fit on the site as it is. */
export type WaitCode = 'gpus' | 'power' | 'never';

export interface Waiting {
  jobId: string;
  code: WaitCode;
  reason: string;
}

export interface NodePowerPlan {
  suspend: string[];
  resume: string[];
  down: string[];
}

/** A running job to checkpoint (its signal and grace) and requeue. */
export interface Preemption {
  jobId: string;
  /** For metrics: a higher-priority job, fair share, a lower cap shedding load, or a move off a server that then powers off. */
  code: 'priority' | 'fair-share' | 'shed' | 'consolidate';
  reason: string;
}

/** Why a running job's limit moves (kept in the job's limit history). */
export type LimitReason = 'right-size' | 'held back' | 'raise' | 'shave' | 'shed';

export interface PowerChange {
  jobId: string;
  powerLimitW: number;
  why: LimitReason;
}

export interface Plan {
  placements: Placement[];
  waiting: Waiting[];
  preemptions: Preemption[];
  /** New per-GPU limits for running jobs. */
  powerChanges: PowerChange[];
  /** Miners to curtail, and curtailed miners to wake. */
  curtail: string[];
  resume: string[];
  /** Power saving: idle nodes to power off, off nodes to power on, nodes not back in time to mark down. */
  nodePower: NodePowerPlan;
  /** The site was over its cap and this pass shed load (nothing started). */
  shed: boolean;
  /** Facility watts allocated once the plan is applied, and the most the site may allocate. */
  allocatedW: number;
  budgetW: number;
}
