// Original file: proto/wattpack/v1/scheduler.proto

import type { Long } from '@grpc/proto-loader';

export interface OpenAdr {
  'vtnUrl'?: (string);
  'ok'?: (boolean);
  'reasons'?: (string)[];
  'polledAtMs'?: (number | string | Long);
  'events'?: (number);
  'reportsSent'?: (number);
}

export interface OpenAdr__Output {
  'vtnUrl': (string);
  'ok': (boolean);
  'reasons': (string)[];
  'polledAtMs': (number);
  'events': (number);
  'reportsSent': (number);
}
