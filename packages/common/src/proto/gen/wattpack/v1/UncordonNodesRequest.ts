// Original file: proto/wattpack/v1/scheduler.proto

import type { NodeSelector as _wattpack_v1_NodeSelector, NodeSelector__Output as _wattpack_v1_NodeSelector__Output } from '../../wattpack/v1/NodeSelector.js';

export interface UncordonNodesRequest {
  'nodes'?: (_wattpack_v1_NodeSelector | null);
}

export interface UncordonNodesRequest__Output {
  'nodes': (_wattpack_v1_NodeSelector__Output | null);
}
