import type { GpuState, MinerState, NodeInventory } from '@wattpack/common';

/** What the node has (read once at start) and how it is doing now (read every report). */
export interface Collector {
  inventory(): Promise<NodeInventory>;
  sample(): Promise<{ gpus: GpuState[]; miners: MinerState[] }>;
}

/** One kind of device (GPUs, miners): what there is, and how each is doing now. sample() never rejects. */
export interface Devices<Info, State> {
  inventory(): Promise<Info[]>;
  sample(): Promise<State[]>;
}
