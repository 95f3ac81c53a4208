// Original file: proto/wattpack/v1/scheduler.proto


export interface NodeAssignment {
  'nodeId'?: (string);
  'gpuIndices'?: (number)[];
  'gpuModel'?: (string);
  'exitCode'?: (number);
  'started'?: (boolean);
  '_exitCode'?: "exitCode";
}

export interface NodeAssignment__Output {
  'nodeId': (string);
  'gpuIndices': (number)[];
  'gpuModel': (string);
  'exitCode'?: (number);
  'started': (boolean);
  '_exitCode'?: "exitCode";
}
