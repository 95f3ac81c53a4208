// Original file: proto/wattpack/v1/scheduler.proto


export interface PowerPolicy {
  'minWatts'?: (number | string);
  'maxWatts'?: (number | string);
}

export interface PowerPolicy__Output {
  'minWatts': (number);
  'maxWatts': (number);
}
