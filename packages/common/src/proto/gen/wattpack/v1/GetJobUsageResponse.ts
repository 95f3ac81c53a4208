// Original file: proto/wattpack/v1/accounting.proto

import type { UsageRecord as _wattpack_v1_UsageRecord, UsageRecord__Output as _wattpack_v1_UsageRecord__Output } from '../../wattpack/v1/UsageRecord.js';

export interface GetJobUsageResponse {
  'attempts'?: (_wattpack_v1_UsageRecord)[];
  'running'?: (_wattpack_v1_UsageRecord | null);
  '_running'?: "running";
}

export interface GetJobUsageResponse__Output {
  'attempts': (_wattpack_v1_UsageRecord__Output)[];
  'running'?: (_wattpack_v1_UsageRecord__Output | null);
  '_running'?: "running";
}
