// Original file: proto/wattpack/v1/node.proto

import type { Health as _wattpack_v1_Health, Health__Output as _wattpack_v1_Health__Output } from '../../wattpack/v1/Health.js';
import type { Long } from '@grpc/proto-loader';

export interface GpuState {
  'index'?: (number);
  'powerDrawW'?: (number | string);
  'enforcedLimitW'?: (number | string);
  'utilizationPct'?: (number | string);
  'temperatureC'?: (number | string);
  'memoryUsedMib'?: (number | string | Long);
  'health'?: (_wattpack_v1_Health);
  'healthReason'?: (string);
  'powerCapped'?: (boolean);
  '_powerDrawW'?: "powerDrawW";
  '_enforcedLimitW'?: "enforcedLimitW";
  '_utilizationPct'?: "utilizationPct";
  '_temperatureC'?: "temperatureC";
  '_memoryUsedMib'?: "memoryUsedMib";
  '_powerCapped'?: "powerCapped";
}

export interface GpuState__Output {
  'index': (number);
  'powerDrawW'?: (number);
  'enforcedLimitW'?: (number);
  'utilizationPct'?: (number);
  'temperatureC'?: (number);
  'memoryUsedMib'?: (number);
  'health': (_wattpack_v1_Health__Output);
  'healthReason': (string);
  'powerCapped'?: (boolean);
  '_powerDrawW'?: "powerDrawW";
  '_enforcedLimitW'?: "enforcedLimitW";
  '_utilizationPct'?: "utilizationPct";
  '_temperatureC'?: "temperatureC";
  '_memoryUsedMib'?: "memoryUsedMib";
  '_powerCapped'?: "powerCapped";
}
