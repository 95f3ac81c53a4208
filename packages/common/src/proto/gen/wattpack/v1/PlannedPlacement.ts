// Original file: proto/wattpack/v1/scheduler.proto


export interface PlannedPlacement {
  'jobId'?: (string);
  'nodeIds'?: (string)[];
  'gpus'?: (number);
  'powerLimitW'?: (number | string);
}

export interface PlannedPlacement__Output {
  'jobId': (string);
  'nodeIds': (string)[];
  'gpus': (number);
  'powerLimitW': (number);
}
