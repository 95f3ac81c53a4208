// Original file: proto/wattpack/v1/node.proto

import type { RegisterNode as _wattpack_v1_RegisterNode, RegisterNode__Output as _wattpack_v1_RegisterNode__Output } from '../../wattpack/v1/RegisterNode.js';
import type { NodeReport as _wattpack_v1_NodeReport, NodeReport__Output as _wattpack_v1_NodeReport__Output } from '../../wattpack/v1/NodeReport.js';

export interface AgentMessage {
  'register'?: (_wattpack_v1_RegisterNode | null);
  'report'?: (_wattpack_v1_NodeReport | null);
  'msg'?: "register"|"report";
}

export interface AgentMessage__Output {
  'register'?: (_wattpack_v1_RegisterNode__Output | null);
  'report'?: (_wattpack_v1_NodeReport__Output | null);
  'msg'?: "register"|"report";
}
