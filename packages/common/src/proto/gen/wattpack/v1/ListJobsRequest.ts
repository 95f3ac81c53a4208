// Original file: proto/wattpack/v1/scheduler.proto

import type { Long } from '@grpc/proto-loader';

export interface ListJobsRequest {
  'states'?: (string)[];
  'team'?: (string);
  'sinceMs'?: (number | string | Long);
  'limit'?: (number);
  'pageToken'?: (string);
  'mine'?: (boolean);
}

export interface ListJobsRequest__Output {
  'states': (string)[];
  'team': (string);
  'sinceMs': (number);
  'limit': (number);
  'pageToken': (string);
  'mine': (boolean);
}
