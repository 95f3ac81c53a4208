// Original file: proto/wattpack/v1/node.proto

import type { GpuInfo as _wattpack_v1_GpuInfo, GpuInfo__Output as _wattpack_v1_GpuInfo__Output } from '../../wattpack/v1/GpuInfo.js';
import type { MinerInfo as _wattpack_v1_MinerInfo, MinerInfo__Output as _wattpack_v1_MinerInfo__Output } from '../../wattpack/v1/MinerInfo.js';
import type { HostInfo as _wattpack_v1_HostInfo, HostInfo__Output as _wattpack_v1_HostInfo__Output } from '../../wattpack/v1/HostInfo.js';

export interface NodeInventory {
  'gpus'?: (_wattpack_v1_GpuInfo)[];
  'miners'?: (_wattpack_v1_MinerInfo)[];
  'host'?: (_wattpack_v1_HostInfo | null);
}

export interface NodeInventory__Output {
  'gpus': (_wattpack_v1_GpuInfo__Output)[];
  'miners': (_wattpack_v1_MinerInfo__Output)[];
  'host': (_wattpack_v1_HostInfo__Output | null);
}
