// Original file: proto/wattpack/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface HostState {
  'cpuLoadPct'?: (number | string);
  'memoryUsedMib'?: (number | string | Long);
  '_cpuLoadPct'?: "cpuLoadPct";
  '_memoryUsedMib'?: "memoryUsedMib";
}

export interface HostState__Output {
  'cpuLoadPct'?: (number);
  'memoryUsedMib'?: (number);
  '_cpuLoadPct'?: "cpuLoadPct";
  '_memoryUsedMib'?: "memoryUsedMib";
}
