// Original file: proto/wattpack/v1/node.proto


export interface Registered {
  'nodeId'?: (string);
  'reportIntervalMs'?: (number);
}

export interface Registered__Output {
  'nodeId': (string);
  'reportIntervalMs': (number);
}
