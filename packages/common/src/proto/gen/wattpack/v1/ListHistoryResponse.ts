// Original file: proto/wattpack/v1/accounting.proto

import type { UsageRecord as _wattpack_v1_UsageRecord, UsageRecord__Output as _wattpack_v1_UsageRecord__Output } from '../../wattpack/v1/UsageRecord.js';

export interface ListHistoryResponse {
  'records'?: (_wattpack_v1_UsageRecord)[];
  'nextPageToken'?: (string);
}

export interface ListHistoryResponse__Output {
  'records': (_wattpack_v1_UsageRecord__Output)[];
  'nextPageToken': (string);
}
