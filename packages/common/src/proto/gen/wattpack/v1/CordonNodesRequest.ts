// Original file: proto/wattpack/v1/scheduler.proto

import type { NodeSelector as _wattpack_v1_NodeSelector, NodeSelector__Output as _wattpack_v1_NodeSelector__Output } from '../../wattpack/v1/NodeSelector.js';

export interface CordonNodesRequest {
  'nodes'?: (_wattpack_v1_NodeSelector | null);
  'reason'?: (string);
}

export interface CordonNodesRequest__Output {
  'nodes': (_wattpack_v1_NodeSelector__Output | null);
  'reason': (string);
}
