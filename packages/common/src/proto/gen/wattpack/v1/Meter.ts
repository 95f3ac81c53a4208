// Original file: proto/wattpack/v1/scheduler.proto

import type { Long } from '@grpc/proto-loader';

export interface Meter {
  'address'?: (string);
  'trusted'?: (boolean);
  'reason'?: (string);
  'measuredW'?: (number | string);
  'measuredAtMs'?: (number | string | Long);
  'modeledW'?: (number | string);
  'errorW'?: (number | string);
  'correctionW'?: (number | string);
  '_measuredW'?: "measuredW";
  '_measuredAtMs'?: "measuredAtMs";
  '_errorW'?: "errorW";
}

export interface Meter__Output {
  'address': (string);
  'trusted': (boolean);
  'reason': (string);
  'measuredW'?: (number);
  'measuredAtMs'?: (number);
  'modeledW': (number);
  'errorW'?: (number);
  'correctionW': (number);
  '_measuredW'?: "measuredW";
  '_measuredAtMs'?: "measuredAtMs";
  '_errorW'?: "errorW";
}
