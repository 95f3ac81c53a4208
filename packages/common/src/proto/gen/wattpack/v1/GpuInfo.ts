// Original file: proto/wattpack/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface GpuInfo {
  'index'?: (number);
  'uuid'?: (string);
  'model'?: (string);
  'memoryMib'?: (number | string | Long);
  'minPowerLimitW'?: (number | string);
  'maxPowerLimitW'?: (number | string);
  'defaultPowerLimitW'?: (number | string);
}

export interface GpuInfo__Output {
  'index': (number);
  'uuid': (string);
  'model': (string);
  'memoryMib': (number);
  'minPowerLimitW': (number);
  'maxPowerLimitW': (number);
  'defaultPowerLimitW': (number);
}
