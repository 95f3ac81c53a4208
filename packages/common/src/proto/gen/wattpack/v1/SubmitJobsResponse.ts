// Original file: proto/wattpack/v1/scheduler.proto

import type { Job as _wattpack_v1_Job, Job__Output as _wattpack_v1_Job__Output } from '../../wattpack/v1/Job.js';

export interface SubmitJobsResponse {
  'jobs'?: (_wattpack_v1_Job)[];
}

export interface SubmitJobsResponse__Output {
  'jobs': (_wattpack_v1_Job__Output)[];
}
