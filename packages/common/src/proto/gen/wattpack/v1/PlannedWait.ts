// Original file: proto/wattpack/v1/scheduler.proto


export interface PlannedWait {
  'jobId'?: (string);
  'code'?: (string);
  'reason'?: (string);
}

export interface PlannedWait__Output {
  'jobId': (string);
  'code': (string);
  'reason': (string);
}
