// Original file: proto/wattpack/v1/node.proto


export interface Rejected {
  'reason'?: (string);
}

export interface Rejected__Output {
  'reason': (string);
}
