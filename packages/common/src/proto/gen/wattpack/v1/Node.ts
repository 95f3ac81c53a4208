// Original file: proto/wattpack/v1/scheduler.proto

import type { NodeInventory as _wattpack_v1_NodeInventory, NodeInventory__Output as _wattpack_v1_NodeInventory__Output } from '../../wattpack/v1/NodeInventory.js';
import type { NodeReport as _wattpack_v1_NodeReport, NodeReport__Output as _wattpack_v1_NodeReport__Output } from '../../wattpack/v1/NodeReport.js';
import type { NodeDrain as _wattpack_v1_NodeDrain, NodeDrain__Output as _wattpack_v1_NodeDrain__Output } from '../../wattpack/v1/NodeDrain.js';
import type { Long } from '@grpc/proto-loader';

export interface Node {
  'id'?: (string);
  'labels'?: ({[key: string]: string});
  'status'?: (string);
  'reason'?: (string);
  'inventory'?: (_wattpack_v1_NodeInventory | null);
  'lastReport'?: (_wattpack_v1_NodeReport | null);
  'lastSeenMs'?: (number | string | Long);
  'gpusAllocated'?: (number);
  'allocatedW'?: (number | string);
  'drain'?: (_wattpack_v1_NodeDrain | null);
  'power'?: (string);
  'powerSinceMs'?: (number | string | Long);
  'powerReason'?: (string);
}

export interface Node__Output {
  'id': (string);
  'labels': ({[key: string]: string});
  'status': (string);
  'reason': (string);
  'inventory': (_wattpack_v1_NodeInventory__Output | null);
  'lastReport': (_wattpack_v1_NodeReport__Output | null);
  'lastSeenMs': (number);
  'gpusAllocated': (number);
  'allocatedW': (number);
  'drain': (_wattpack_v1_NodeDrain__Output | null);
  'power': (string);
  'powerSinceMs': (number);
  'powerReason': (string);
}
