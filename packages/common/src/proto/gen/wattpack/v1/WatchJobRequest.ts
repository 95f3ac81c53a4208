// Original file: proto/wattpack/v1/scheduler.proto


export interface WatchJobRequest {
  'id'?: (string);
}

export interface WatchJobRequest__Output {
  'id': (string);
}
