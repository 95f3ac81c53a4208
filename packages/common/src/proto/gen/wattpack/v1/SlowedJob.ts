// Original file: proto/wattpack/v1/scheduler.proto


export interface SlowedJob {
  'jobId'?: (string);
  'fromW'?: (number | string);
  'toW'?: (number | string);
  'throughputKept'?: (number | string);
}

export interface SlowedJob__Output {
  'jobId': (string);
  'fromW': (number);
  'toW': (number);
  'throughputKept': (number);
}
