// Original file: proto/wattpack/v1/scheduler.proto

import type { NodeSelector as _wattpack_v1_NodeSelector, NodeSelector__Output as _wattpack_v1_NodeSelector__Output } from '../../wattpack/v1/NodeSelector.js';

export interface DrainNodesRequest {
  'nodes'?: (_wattpack_v1_NodeSelector | null);
  'reason'?: (string);
  'deadlineS'?: (number);
  'noMigrate'?: (boolean);
  'force'?: (boolean);
  'cancel'?: (boolean);
}

export interface DrainNodesRequest__Output {
  'nodes': (_wattpack_v1_NodeSelector__Output | null);
  'reason': (string);
  'deadlineS': (number);
  'noMigrate': (boolean);
  'force': (boolean);
  'cancel': (boolean);
}
