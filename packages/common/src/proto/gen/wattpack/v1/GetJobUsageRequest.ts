// Original file: proto/wattpack/v1/accounting.proto


export interface GetJobUsageRequest {
  'id'?: (string);
}

export interface GetJobUsageRequest__Output {
  'id': (string);
}
