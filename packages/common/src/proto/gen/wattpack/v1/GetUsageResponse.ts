// Original file: proto/wattpack/v1/accounting.proto

import type { UsageRow as _wattpack_v1_UsageRow, UsageRow__Output as _wattpack_v1_UsageRow__Output } from '../../wattpack/v1/UsageRow.js';

export interface GetUsageResponse {
  'rows'?: (_wattpack_v1_UsageRow)[];
  'currency'?: (string);
}

export interface GetUsageResponse__Output {
  'rows': (_wattpack_v1_UsageRow__Output)[];
  'currency': (string);
}
