// Original file: proto/wattpack/v1/scheduler.proto


export interface CancelJobRequest {
  'id'?: (string);
  'reason'?: (string);
}

export interface CancelJobRequest__Output {
  'id': (string);
  'reason': (string);
}
