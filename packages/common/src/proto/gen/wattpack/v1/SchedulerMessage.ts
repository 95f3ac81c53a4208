// Original file: proto/wattpack/v1/node.proto

import type { Registered as _wattpack_v1_Registered, Registered__Output as _wattpack_v1_Registered__Output } from '../../wattpack/v1/Registered.js';
import type { Rejected as _wattpack_v1_Rejected, Rejected__Output as _wattpack_v1_Rejected__Output } from '../../wattpack/v1/Rejected.js';

export interface SchedulerMessage {
  'registered'?: (_wattpack_v1_Registered | null);
  'rejected'?: (_wattpack_v1_Rejected | null);
  'msg'?: "registered"|"rejected";
}

export interface SchedulerMessage__Output {
  'registered'?: (_wattpack_v1_Registered__Output | null);
  'rejected'?: (_wattpack_v1_Rejected__Output | null);
  'msg'?: "registered"|"rejected";
}
