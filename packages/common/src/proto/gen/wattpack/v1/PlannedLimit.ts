// Original file: proto/wattpack/v1/scheduler.proto


export interface PlannedLimit {
  'jobId'?: (string);
  'powerLimitW'?: (number | string);
  'why'?: (string);
}

export interface PlannedLimit__Output {
  'jobId': (string);
  'powerLimitW': (number);
  'why': (string);
}
