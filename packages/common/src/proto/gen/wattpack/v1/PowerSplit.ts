// Original file: proto/wattpack/v1/scheduler.proto


export interface PowerSplit {
  'gpusW'?: (number | string);
  'hostsW'?: (number | string);
  'minersW'?: (number | string);
  'facilityW'?: (number | string);
}

export interface PowerSplit__Output {
  'gpusW': (number);
  'hostsW': (number);
  'minersW': (number);
  'facilityW': (number);
}
