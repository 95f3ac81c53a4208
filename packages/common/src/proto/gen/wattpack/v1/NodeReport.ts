// Original file: proto/wattpack/v1/node.proto

import type { GpuState as _wattpack_v1_GpuState, GpuState__Output as _wattpack_v1_GpuState__Output } from '../../wattpack/v1/GpuState.js';
import type { MinerState as _wattpack_v1_MinerState, MinerState__Output as _wattpack_v1_MinerState__Output } from '../../wattpack/v1/MinerState.js';
import type { AttemptState as _wattpack_v1_AttemptState, AttemptState__Output as _wattpack_v1_AttemptState__Output } from '../../wattpack/v1/AttemptState.js';
import type { HostState as _wattpack_v1_HostState, HostState__Output as _wattpack_v1_HostState__Output } from '../../wattpack/v1/HostState.js';
import type { EndedAttempt as _wattpack_v1_EndedAttempt, EndedAttempt__Output as _wattpack_v1_EndedAttempt__Output } from '../../wattpack/v1/EndedAttempt.js';
import type { Long } from '@grpc/proto-loader';

export interface NodeReport {
  'timestampMs'?: (number | string | Long);
  'gpus'?: (_wattpack_v1_GpuState)[];
  'miners'?: (_wattpack_v1_MinerState)[];
  'attempts'?: (_wattpack_v1_AttemptState)[];
  'host'?: (_wattpack_v1_HostState | null);
  'ended'?: (_wattpack_v1_EndedAttempt)[];
}

export interface NodeReport__Output {
  'timestampMs': (number);
  'gpus': (_wattpack_v1_GpuState__Output)[];
  'miners': (_wattpack_v1_MinerState__Output)[];
  'attempts': (_wattpack_v1_AttemptState__Output)[];
  'host': (_wattpack_v1_HostState__Output | null);
  'ended': (_wattpack_v1_EndedAttempt__Output)[];
}
