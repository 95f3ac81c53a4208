// Original file: proto/wattpack/v1/scheduler.proto

import type { Long } from '@grpc/proto-loader';

export interface AuditRecord {
  'atMs'?: (number | string | Long);
  'name'?: (string);
  'role'?: (string);
  'serial'?: (string);
  'action'?: (string);
  'target'?: (string);
  'result'?: (string);
  'message'?: (string);
  'before'?: ({[key: string]: string});
  'after'?: ({[key: string]: string});
}

export interface AuditRecord__Output {
  'atMs': (number);
  'name': (string);
  'role': (string);
  'serial': (string);
  'action': (string);
  'target': (string);
  'result': (string);
  'message': (string);
  'before': ({[key: string]: string});
  'after': ({[key: string]: string});
}
