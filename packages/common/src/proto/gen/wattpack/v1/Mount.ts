// Original file: proto/wattpack/v1/scheduler.proto


export interface Mount {
  'source'?: (string);
  'target'?: (string);
  'readOnly'?: (boolean);
}

export interface Mount__Output {
  'source': (string);
  'target': (string);
  'readOnly': (boolean);
}
