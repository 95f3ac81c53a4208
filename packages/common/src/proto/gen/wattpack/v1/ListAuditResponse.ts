// Original file: proto/wattpack/v1/scheduler.proto

import type { AuditRecord as _wattpack_v1_AuditRecord, AuditRecord__Output as _wattpack_v1_AuditRecord__Output } from '../../wattpack/v1/AuditRecord.js';

export interface ListAuditResponse {
  'records'?: (_wattpack_v1_AuditRecord)[];
  'truncated'?: (boolean);
}

export interface ListAuditResponse__Output {
  'records': (_wattpack_v1_AuditRecord__Output)[];
  'truncated': (boolean);
}
