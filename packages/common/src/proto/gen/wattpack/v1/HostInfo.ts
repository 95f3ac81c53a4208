// Original file: proto/wattpack/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface HostInfo {
  'hostname'?: (string);
  'cpuCores'?: (number);
  'memoryMib'?: (number | string | Long);
  'os'?: (string);
  'idlePowerW'?: (number | string);
  'busyPowerW'?: (number | string);
  'address'?: (string);
}

export interface HostInfo__Output {
  'hostname': (string);
  'cpuCores': (number);
  'memoryMib': (number);
  'os': (string);
  'idlePowerW': (number);
  'busyPowerW': (number);
  'address': (string);
}
