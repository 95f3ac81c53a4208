// Original file: proto/wattpack/v1/scheduler.proto

import type { Long } from '@grpc/proto-loader';

export interface ListAuditRequest {
  'sinceMs'?: (number | string | Long);
  'user'?: (string);
  'limit'?: (number);
}

export interface ListAuditRequest__Output {
  'sinceMs': (number);
  'user': (string);
  'limit': (number);
}
