import type { GpuState, MinerState, NodeInventory } from '@wattpack/shared';

/** What the node has (read once at start) and how it is doing now (read every report). */
export interface Collector {
  inventory(): Promise<NodeInventory>;
  sample(): Promise<{ gpus: GpuState[]; miners: MinerState[] }>;
}
