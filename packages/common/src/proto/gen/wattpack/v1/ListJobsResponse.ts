// Original file: proto/wattpack/v1/scheduler.proto

import type { Job as _wattpack_v1_Job, Job__Output as _wattpack_v1_Job__Output } from '../../wattpack/v1/Job.js';

export interface ListJobsResponse {
  'jobs'?: (_wattpack_v1_Job)[];
  'nextPageToken'?: (string);
}

export interface ListJobsResponse__Output {
  'jobs': (_wattpack_v1_Job__Output)[];
  'nextPageToken': (string);
}
