// Original file: proto/wattpack/v1/accounting.proto


export interface TeamStanding {
  'team'?: (string);
  'shareGpus'?: (number | string);
  'shareW'?: (number | string);
  'usageGpuHours'?: (number | string);
  'usageFacilityKwh'?: (number | string);
  'normalizedUsage'?: (number | string);
  'factor'?: (number | string);
}

export interface TeamStanding__Output {
  'team': (string);
  'shareGpus': (number);
  'shareW': (number);
  'usageGpuHours': (number);
  'usageFacilityKwh': (number);
  'normalizedUsage': (number);
  'factor': (number);
}
