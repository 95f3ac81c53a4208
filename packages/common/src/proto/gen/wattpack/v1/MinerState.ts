// Original file: proto/wattpack/v1/node.proto

import type { MinerRunState as _wattpack_v1_MinerRunState, MinerRunState__Output as _wattpack_v1_MinerRunState__Output } from '../../wattpack/v1/MinerRunState.js';

export interface MinerState {
  'id'?: (string);
  'hashrateThs'?: (number | string);
  'powerW'?: (number | string);
  'state'?: (_wattpack_v1_MinerRunState);
  'reason'?: (string);
  '_hashrateThs'?: "hashrateThs";
  '_powerW'?: "powerW";
}

export interface MinerState__Output {
  'id': (string);
  'hashrateThs'?: (number);
  'powerW'?: (number);
  'state': (_wattpack_v1_MinerRunState__Output);
  'reason': (string);
  '_hashrateThs'?: "hashrateThs";
  '_powerW'?: "powerW";
}
