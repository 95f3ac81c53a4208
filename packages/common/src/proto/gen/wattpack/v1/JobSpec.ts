// Original file: proto/wattpack/v1/scheduler.proto

import type { PowerPolicy as _wattpack_v1_PowerPolicy, PowerPolicy__Output as _wattpack_v1_PowerPolicy__Output } from '../../wattpack/v1/PowerPolicy.js';
import type { Checkpoint as _wattpack_v1_Checkpoint, Checkpoint__Output as _wattpack_v1_Checkpoint__Output } from '../../wattpack/v1/Checkpoint.js';
import type { Mount as _wattpack_v1_Mount, Mount__Output as _wattpack_v1_Mount__Output } from '../../wattpack/v1/Mount.js';

export interface JobSpec {
  'name'?: (string);
  'team'?: (string);
  'command'?: (string)[];
  'args'?: (string)[];
  'env'?: ({[key: string]: string});
  'image'?: (string);
  'gpus'?: (number);
  'nodes'?: (number);
  'gpuModels'?: (string)[];
  'priority'?: (number);
  'maxRuntimeSeconds'?: (number);
  'power'?: (_wattpack_v1_PowerPolicy | null);
  'checkpoint'?: (_wattpack_v1_Checkpoint | null);
  'preemptible'?: (boolean);
  'cpus'?: (number | string);
  'memoryMib'?: (number);
  'workdir'?: (string);
  'output'?: (string);
  'error'?: (string);
  'mounts'?: (_wattpack_v1_Mount)[];
  'afterOk'?: (string)[];
  'afterAny'?: (string)[];
}

export interface JobSpec__Output {
  'name': (string);
  'team': (string);
  'command': (string)[];
  'args': (string)[];
  'env': ({[key: string]: string});
  'image': (string);
  'gpus': (number);
  'nodes': (number);
  'gpuModels': (string)[];
  'priority': (number);
  'maxRuntimeSeconds': (number);
  'power': (_wattpack_v1_PowerPolicy__Output | null);
  'checkpoint': (_wattpack_v1_Checkpoint__Output | null);
  'preemptible': (boolean);
  'cpus': (number);
  'memoryMib': (number);
  'workdir': (string);
  'output': (string);
  'error': (string);
  'mounts': (_wattpack_v1_Mount__Output)[];
  'afterOk': (string)[];
  'afterAny': (string)[];
}
