// Original file: proto/wattpack/v1/node.proto

import type { NodeInventory as _wattpack_v1_NodeInventory, NodeInventory__Output as _wattpack_v1_NodeInventory__Output } from '../../wattpack/v1/NodeInventory.js';

export interface RegisterNode {
  'nodeId'?: (string);
  'labels'?: ({[key: string]: string});
  'inventory'?: (_wattpack_v1_NodeInventory | null);
  'agentVersion'?: (string);
}

export interface RegisterNode__Output {
  'nodeId': (string);
  'labels': ({[key: string]: string});
  'inventory': (_wattpack_v1_NodeInventory__Output | null);
  'agentVersion': (string);
}
