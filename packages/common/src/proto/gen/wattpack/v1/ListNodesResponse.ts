// Original file: proto/wattpack/v1/scheduler.proto

import type { Node as _wattpack_v1_Node, Node__Output as _wattpack_v1_Node__Output } from '../../wattpack/v1/Node.js';

export interface ListNodesResponse {
  'nodes'?: (_wattpack_v1_Node)[];
}

export interface ListNodesResponse__Output {
  'nodes': (_wattpack_v1_Node__Output)[];
}
