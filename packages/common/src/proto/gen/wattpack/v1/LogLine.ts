// Original file: proto/wattpack/v1/scheduler.proto

import type { Long } from '@grpc/proto-loader';

export interface LogLine {
  'jobId'?: (string);
  'attemptId'?: (string);
  'nodeId'?: (string);
  'stream'?: (string);
  'line'?: (string);
  'atMs'?: (number | string | Long);
}

export interface LogLine__Output {
  'jobId': (string);
  'attemptId': (string);
  'nodeId': (string);
  'stream': (string);
  'line': (string);
  'atMs': (number);
}
