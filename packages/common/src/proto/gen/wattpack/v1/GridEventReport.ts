// Original file: proto/wattpack/v1/scheduler.proto

import type { EventInterval as _wattpack_v1_EventInterval, EventInterval__Output as _wattpack_v1_EventInterval__Output } from '../../wattpack/v1/EventInterval.js';
import type { SlowedJob as _wattpack_v1_SlowedJob, SlowedJob__Output as _wattpack_v1_SlowedJob__Output } from '../../wattpack/v1/SlowedJob.js';
import type { Long } from '@grpc/proto-loader';

export interface GridEventReport {
  'startMs'?: (number | string | Long);
  'durationS'?: (number);
  'targetW'?: (number | string);
  'baselineW'?: (number | string);
  'reachedAfterS'?: (number | string);
  'intervals'?: (_wattpack_v1_EventInterval)[];
  'slowed'?: (_wattpack_v1_SlowedJob)[];
  '_baselineW'?: "baselineW";
  '_reachedAfterS'?: "reachedAfterS";
}

export interface GridEventReport__Output {
  'startMs': (number);
  'durationS': (number);
  'targetW': (number);
  'baselineW'?: (number);
  'reachedAfterS'?: (number);
  'intervals': (_wattpack_v1_EventInterval__Output)[];
  'slowed': (_wattpack_v1_SlowedJob__Output)[];
  '_baselineW'?: "baselineW";
  '_reachedAfterS'?: "reachedAfterS";
}
