// Original file: proto/wattpack/v1/scheduler.proto

import type { JobSpec as _wattpack_v1_JobSpec, JobSpec__Output as _wattpack_v1_JobSpec__Output } from '../../wattpack/v1/JobSpec.js';
import type { NodeAssignment as _wattpack_v1_NodeAssignment, NodeAssignment__Output as _wattpack_v1_NodeAssignment__Output } from '../../wattpack/v1/NodeAssignment.js';
import type { LimitChange as _wattpack_v1_LimitChange, LimitChange__Output as _wattpack_v1_LimitChange__Output } from '../../wattpack/v1/LimitChange.js';
import type { JobPower as _wattpack_v1_JobPower, JobPower__Output as _wattpack_v1_JobPower__Output } from '../../wattpack/v1/JobPower.js';
import type { Long } from '@grpc/proto-loader';

export interface Job {
  'id'?: (string);
  'spec'?: (_wattpack_v1_JobSpec | null);
  'state'?: (string);
  'reason'?: (string);
  'submittedAtMs'?: (number | string | Long);
  'startedAtMs'?: (number | string | Long);
  'finishedAtMs'?: (number | string | Long);
  'attempt'?: (number);
  'attemptId'?: (string);
  'assignments'?: (_wattpack_v1_NodeAssignment)[];
  'powerLimitW'?: (number | string);
  'allocatedFacilityW'?: (number | string);
  'exitCode'?: (number);
  'preempting'?: (string);
  'limitHistory'?: (_wattpack_v1_LimitChange)[];
  'power'?: (_wattpack_v1_JobPower | null);
  'owner'?: (string);
  'arrayJobId'?: (string);
  'arrayIndex'?: (number);
  'rendezvous'?: (string);
  '_exitCode'?: "exitCode";
  '_power'?: "power";
}

export interface Job__Output {
  'id': (string);
  'spec': (_wattpack_v1_JobSpec__Output | null);
  'state': (string);
  'reason': (string);
  'submittedAtMs': (number);
  'startedAtMs': (number);
  'finishedAtMs': (number);
  'attempt': (number);
  'attemptId': (string);
  'assignments': (_wattpack_v1_NodeAssignment__Output)[];
  'powerLimitW': (number);
  'allocatedFacilityW': (number);
  'exitCode'?: (number);
  'preempting': (string);
  'limitHistory': (_wattpack_v1_LimitChange__Output)[];
  'power'?: (_wattpack_v1_JobPower__Output | null);
  'owner': (string);
  'arrayJobId': (string);
  'arrayIndex': (number);
  'rendezvous': (string);
  '_exitCode'?: "exitCode";
  '_power'?: "power";
}
