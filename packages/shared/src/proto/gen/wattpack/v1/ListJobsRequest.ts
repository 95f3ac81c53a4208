// Original file: proto/wattpack/v1/scheduler.proto


export interface ListJobsRequest {
  'states'?: (string)[];
  'team'?: (string);
}

export interface ListJobsRequest__Output {
  'states': (string)[];
  'team': (string);
}
