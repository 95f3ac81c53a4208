// Original file: proto/wattpack/v1/scheduler.proto


export interface JobLogsRequest {
  'id'?: (string);
  'follow'?: (boolean);
}

export interface JobLogsRequest__Output {
  'id': (string);
  'follow': (boolean);
}
