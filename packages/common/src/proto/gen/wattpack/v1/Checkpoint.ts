// Original file: proto/wattpack/v1/scheduler.proto


export interface Checkpoint {
  'signal'?: (string);
  'graceSeconds'?: (number);
}

export interface Checkpoint__Output {
  'signal': (string);
  'graceSeconds': (number);
}
