// Original file: proto/wattpack/v1/scheduler.proto

import type { Long } from '@grpc/proto-loader';

export interface RevokeCredentialResponse {
  'kind'?: (string);
  'name'?: (string);
  'issuedBeforeMs'?: (number | string | Long);
  'serials'?: (string)[];
  'streamsClosed'?: (number);
}

export interface RevokeCredentialResponse__Output {
  'kind': (string);
  'name': (string);
  'issuedBeforeMs': (number);
  'serials': (string)[];
  'streamsClosed': (number);
}
