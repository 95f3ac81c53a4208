// Original file: proto/wattpack/v1/accounting.proto

import type { Long } from '@grpc/proto-loader';

export interface UsageRecord {
  'attemptId'?: (string);
  'jobId'?: (string);
  'attempt'?: (number);
  'jobName'?: (string);
  'user'?: (string);
  'team'?: (string);
  'nodes'?: (string)[];
  'gpus'?: (number);
  'gpuModel'?: (string);
  'startedAtMs'?: (number | string | Long);
  'endedAtMs'?: (number | string | Long);
  'state'?: (string);
  'reason'?: (string);
  'exitCode'?: (number);
  'gpuHours'?: (number | string);
  'gpuKwh'?: (number | string);
  'hostKwh'?: (number | string);
  'facilityKwh'?: (number | string);
  'meanW'?: (number | string);
  'peakW'?: (number | string);
  'measuredS'?: (number | string);
  'limitMinW'?: (number | string);
  'limitMaxW'?: (number | string);
  'limitChanges'?: (number);
  'preempted'?: (boolean);
  'preemptions'?: (number);
  'workLostGpuHours'?: (number | string);
  'costEnergy'?: (number | string);
  'costGpu'?: (number | string);
  'costTotal'?: (number | string);
  'currency'?: (string);
  '_exitCode'?: "exitCode";
}

export interface UsageRecord__Output {
  'attemptId': (string);
  'jobId': (string);
  'attempt': (number);
  'jobName': (string);
  'user': (string);
  'team': (string);
  'nodes': (string)[];
  'gpus': (number);
  'gpuModel': (string);
  'startedAtMs': (number);
  'endedAtMs': (number);
  'state': (string);
  'reason': (string);
  'exitCode'?: (number);
  'gpuHours': (number);
  'gpuKwh': (number);
  'hostKwh': (number);
  'facilityKwh': (number);
  'meanW': (number);
  'peakW': (number);
  'measuredS': (number);
  'limitMinW': (number);
  'limitMaxW': (number);
  'limitChanges': (number);
  'preempted': (boolean);
  'preemptions': (number);
  'workLostGpuHours': (number);
  'costEnergy': (number);
  'costGpu': (number);
  'costTotal': (number);
  'currency': (string);
  '_exitCode'?: "exitCode";
}
