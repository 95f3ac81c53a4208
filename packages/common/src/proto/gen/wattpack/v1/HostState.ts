// Original file: proto/wattpack/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface HostState {
  'cpuLoadPct'?: (number | string);
  'memoryUsedMib'?: (number | string | Long);
  'inputPowerW'?: (number | string);
  'powerSource'?: (string);
  'inputPowerAtMs'?: (number | string | Long);
  '_cpuLoadPct'?: "cpuLoadPct";
  '_memoryUsedMib'?: "memoryUsedMib";
  '_inputPowerW'?: "inputPowerW";
  '_inputPowerAtMs'?: "inputPowerAtMs";
}

export interface HostState__Output {
  'cpuLoadPct'?: (number);
  'memoryUsedMib'?: (number);
  'inputPowerW'?: (number);
  'powerSource': (string);
  'inputPowerAtMs'?: (number);
  '_cpuLoadPct'?: "cpuLoadPct";
  '_memoryUsedMib'?: "memoryUsedMib";
  '_inputPowerW'?: "inputPowerW";
  '_inputPowerAtMs'?: "inputPowerAtMs";
}
