// Original file: proto/wattpack/v1/accounting.proto

import type { Long } from '@grpc/proto-loader';

export interface ListHistoryRequest {
  'user'?: (string);
  'team'?: (string);
  'states'?: (string)[];
  'sinceMs'?: (number | string | Long);
  'untilMs'?: (number | string | Long);
  'node'?: (string);
  'jobId'?: (string);
  'limit'?: (number);
  'pageToken'?: (string);
}

export interface ListHistoryRequest__Output {
  'user': (string);
  'team': (string);
  'states': (string)[];
  'sinceMs': (number);
  'untilMs': (number);
  'node': (string);
  'jobId': (string);
  'limit': (number);
  'pageToken': (string);
}
