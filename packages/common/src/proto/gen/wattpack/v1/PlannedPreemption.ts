// Original file: proto/wattpack/v1/scheduler.proto


export interface PlannedPreemption {
  'jobId'?: (string);
  'reason'?: (string);
}

export interface PlannedPreemption__Output {
  'jobId': (string);
  'reason': (string);
}
