// Original file: proto/wattpack/v1/scheduler.proto


export interface SubmitJobRequest {
  'specJson'?: (string);
  'requestId'?: (string);
  'array'?: (string);
}

export interface SubmitJobRequest__Output {
  'specJson': (string);
  'requestId': (string);
  'array': (string);
}
