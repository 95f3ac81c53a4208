// Original file: proto/wattpack/v1/scheduler.proto


export interface SetNodePowerRequest {
  'nodeId'?: (string);
  'action'?: (string);
}

export interface SetNodePowerRequest__Output {
  'nodeId': (string);
  'action': (string);
}
