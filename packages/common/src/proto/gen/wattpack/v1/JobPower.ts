// Original file: proto/wattpack/v1/scheduler.proto


export interface JobPower {
  'p50W'?: (number | string);
  'p99W'?: (number | string);
  'heldFraction'?: (number | string);
  'samples'?: (number);
}

export interface JobPower__Output {
  'p50W': (number);
  'p99W': (number);
  'heldFraction': (number);
  'samples': (number);
}
