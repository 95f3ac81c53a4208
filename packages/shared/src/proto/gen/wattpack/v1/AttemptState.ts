// Original file: proto/wattpack/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface AttemptState {
  'jobId'?: (string);
  'attemptId'?: (string);
  'gpuIndices'?: (number)[];
  'startedAtMs'?: (number | string | Long);
}

export interface AttemptState__Output {
  'jobId': (string);
  'attemptId': (string);
  'gpuIndices': (number)[];
  'startedAtMs': (number);
}
