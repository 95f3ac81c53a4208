/**
 * What the core sees: a read-only picture of the site and the queue. Built by
 * state/snapshot-builder.ts from the live state, or by the simulator from a trace.
 */

export interface GpuView {
  index: number;
  model: string;
  minW: number;
  maxW: number;
  /** Draw of an idle GPU: what it costs the site while nobody uses it. */
  idleW: number;
  /** Job holding this GPU, and the power limit it runs at. */
  jobId?: string;
  limitW?: number;
}

export interface MinerView {
  id: string;
  nameplateW: number;
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
}

export interface SiteSnapshot {
  capW: number;
  reserveFraction: number;
  pue: number;
  nodes: NodeView[];
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

export interface Plan {
  placements: Placement[];
  waiting: Waiting[];
  /** Facility watts allocated once the plan is applied, and the most the site may allocate. */
  allocatedW: number;
  budgetW: number;
}
