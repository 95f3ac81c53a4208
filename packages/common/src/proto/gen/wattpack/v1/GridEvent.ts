// Original file: proto/wattpack/v1/scheduler.proto

import type { Long } from '@grpc/proto-loader';

export interface GridEvent {
  'startMs'?: (number | string | Long);
  'durationS'?: (number);
  'capMw'?: (number | string);
  'noticeS'?: (number);
  'reduceFraction'?: (number | string);
  'baselineW'?: (number | string);
  'source'?: (string);
  '_reduceFraction'?: "reduceFraction";
  '_baselineW'?: "baselineW";
  '_source'?: "source";
}

export interface GridEvent__Output {
  'startMs': (number);
  'durationS': (number);
  'capMw': (number);
  'noticeS': (number);
  'reduceFraction'?: (number);
  'baselineW'?: (number);
  'source'?: (string);
  '_reduceFraction'?: "reduceFraction";
  '_baselineW'?: "baselineW";
  '_source'?: "source";
}
