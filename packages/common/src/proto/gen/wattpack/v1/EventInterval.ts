// Original file: proto/wattpack/v1/scheduler.proto

import type { Long } from '@grpc/proto-loader';

export interface EventInterval {
  'startMs'?: (number | string | Long);
  'targetW'?: (number | string);
  'meanW'?: (number | string);
  'maxW'?: (number | string);
}

export interface EventInterval__Output {
  'startMs': (number);
  'targetW': (number);
  'meanW': (number);
  'maxW': (number);
}
