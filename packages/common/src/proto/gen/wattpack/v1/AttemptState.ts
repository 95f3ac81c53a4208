// Original file: proto/wattpack/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface AttemptState {
  'jobId'?: (string);
  'attemptId'?: (string);
  'gpuIndices'?: (number)[];
  'startedAtMs'?: (number | string | Long);
  'maxDrawW'?: (number | string);
  'enforcedLimitW'?: (number | string);
  'powerCapped'?: (boolean);
  '_maxDrawW'?: "maxDrawW";
  '_enforcedLimitW'?: "enforcedLimitW";
  '_powerCapped'?: "powerCapped";
}

export interface AttemptState__Output {
  'jobId': (string);
  'attemptId': (string);
  'gpuIndices': (number)[];
  'startedAtMs': (number);
  'maxDrawW'?: (number);
  'enforcedLimitW'?: (number);
  'powerCapped'?: (boolean);
  '_maxDrawW'?: "maxDrawW";
  '_enforcedLimitW'?: "enforcedLimitW";
  '_powerCapped'?: "powerCapped";
}
