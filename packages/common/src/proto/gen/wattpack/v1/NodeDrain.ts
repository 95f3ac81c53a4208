// Original file: proto/wattpack/v1/scheduler.proto

import type { Long } from '@grpc/proto-loader';

export interface NodeDrain {
  'state'?: (string);
  'reason'?: (string);
  'by'?: (string);
  'atMs'?: (number | string | Long);
  'deadlineMs'?: (number | string | Long);
  'migrate'?: (boolean);
  'force'?: (boolean);
  'automatic'?: (boolean);
  'jobsRemaining'?: (number);
}

export interface NodeDrain__Output {
  'state': (string);
  'reason': (string);
  'by': (string);
  'atMs': (number);
  'deadlineMs': (number);
  'migrate': (boolean);
  'force': (boolean);
  'automatic': (boolean);
  'jobsRemaining': (number);
}
