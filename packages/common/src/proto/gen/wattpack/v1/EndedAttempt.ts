// Original file: proto/wattpack/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface EndedAttempt {
  'jobId'?: (string);
  'attemptId'?: (string);
  'failed'?: (boolean);
  'exitCode'?: (number);
  'signal'?: (string);
  'reason'?: (string);
  'atMs'?: (number | string | Long);
}

export interface EndedAttempt__Output {
  'jobId': (string);
  'attemptId': (string);
  'failed': (boolean);
  'exitCode': (number);
  'signal': (string);
  'reason': (string);
  'atMs': (number);
}
