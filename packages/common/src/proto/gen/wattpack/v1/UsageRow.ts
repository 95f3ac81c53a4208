// Original file: proto/wattpack/v1/accounting.proto


export interface UsageRow {
  'team'?: (string);
  'user'?: (string);
  'day'?: (string);
  'attempts'?: (number);
  'gpuHours'?: (number | string);
  'gpuKwh'?: (number | string);
  'facilityKwh'?: (number | string);
  'cost'?: (number | string);
}

export interface UsageRow__Output {
  'team': (string);
  'user': (string);
  'day': (string);
  'attempts': (number);
  'gpuHours': (number);
  'gpuKwh': (number);
  'facilityKwh': (number);
  'cost': (number);
}
