// Original file: proto/wattpack/v1/scheduler.proto

import type { PlannedPlacement as _wattpack_v1_PlannedPlacement, PlannedPlacement__Output as _wattpack_v1_PlannedPlacement__Output } from '../../wattpack/v1/PlannedPlacement.js';
import type { PlannedWait as _wattpack_v1_PlannedWait, PlannedWait__Output as _wattpack_v1_PlannedWait__Output } from '../../wattpack/v1/PlannedWait.js';
import type { PlannedPreemption as _wattpack_v1_PlannedPreemption, PlannedPreemption__Output as _wattpack_v1_PlannedPreemption__Output } from '../../wattpack/v1/PlannedPreemption.js';
import type { PlannedLimit as _wattpack_v1_PlannedLimit, PlannedLimit__Output as _wattpack_v1_PlannedLimit__Output } from '../../wattpack/v1/PlannedLimit.js';

export interface PlanPreview {
  'placements'?: (_wattpack_v1_PlannedPlacement)[];
  'requeued'?: (_wattpack_v1_PlannedWait)[];
  'waiting'?: (_wattpack_v1_PlannedWait)[];
  'preemptions'?: (_wattpack_v1_PlannedPreemption)[];
  'powerChanges'?: (_wattpack_v1_PlannedLimit)[];
  'curtailMiners'?: (string)[];
  'resumeMiners'?: (string)[];
  'allocatedW'?: (number | string);
  'budgetW'?: (number | string);
  'suspendNodes'?: (string)[];
  'resumeNodes'?: (string)[];
  'downNodes'?: (string)[];
}

export interface PlanPreview__Output {
  'placements': (_wattpack_v1_PlannedPlacement__Output)[];
  'requeued': (_wattpack_v1_PlannedWait__Output)[];
  'waiting': (_wattpack_v1_PlannedWait__Output)[];
  'preemptions': (_wattpack_v1_PlannedPreemption__Output)[];
  'powerChanges': (_wattpack_v1_PlannedLimit__Output)[];
  'curtailMiners': (string)[];
  'resumeMiners': (string)[];
  'allocatedW': (number);
  'budgetW': (number);
  'suspendNodes': (string)[];
  'resumeNodes': (string)[];
  'downNodes': (string)[];
}
