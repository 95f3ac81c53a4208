// Original file: proto/wattpack/v1/accounting.proto

import type { Long } from '@grpc/proto-loader';

export interface GetUsageRequest {
  'groupBy'?: (string)[];
  'user'?: (string);
  'team'?: (string);
  'sinceMs'?: (number | string | Long);
  'untilMs'?: (number | string | Long);
}

export interface GetUsageRequest__Output {
  'groupBy': (string)[];
  'user': (string);
  'team': (string);
  'sinceMs': (number);
  'untilMs': (number);
}
