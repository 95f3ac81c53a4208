// Original file: proto/wattpack/v1/scheduler.proto

import type { SubmitJobRequest as _wattpack_v1_SubmitJobRequest, SubmitJobRequest__Output as _wattpack_v1_SubmitJobRequest__Output } from '../../wattpack/v1/SubmitJobRequest.js';

export interface SubmitJobsRequest {
  'jobs'?: (_wattpack_v1_SubmitJobRequest)[];
}

export interface SubmitJobsRequest__Output {
  'jobs': (_wattpack_v1_SubmitJobRequest__Output)[];
}
