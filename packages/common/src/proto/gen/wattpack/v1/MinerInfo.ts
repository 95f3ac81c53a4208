// Original file: proto/wattpack/v1/node.proto


export interface MinerInfo {
  'id'?: (string);
  'model'?: (string);
  'endpoint'?: (string);
  'nameplatePowerW'?: (number | string);
  'nameplateHashrateThs'?: (number | string);
  'firmware'?: (string);
}

export interface MinerInfo__Output {
  'id': (string);
  'model': (string);
  'endpoint': (string);
  'nameplatePowerW': (number);
  'nameplateHashrateThs': (number);
  'firmware': (string);
}
