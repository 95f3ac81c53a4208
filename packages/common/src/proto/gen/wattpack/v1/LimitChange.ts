// Original file: proto/wattpack/v1/scheduler.proto

import type { Long } from '@grpc/proto-loader';

export interface LimitChange {
  'atMs'?: (number | string | Long);
  'limitW'?: (number | string);
  'why'?: (string);
  'confirmedAtMs'?: (number | string | Long);
}

export interface LimitChange__Output {
  'atMs': (number);
  'limitW': (number);
  'why': (string);
  'confirmedAtMs': (number);
}
