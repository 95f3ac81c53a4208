// Original file: proto/wattpack/v1/scheduler.proto


export interface GpuWatts {
  'reservedW'?: (number | string);
  'enforcedW'?: (number | string);
  'drawnW'?: (number | string);
  'reclaimedW'?: (number | string);
}

export interface GpuWatts__Output {
  'reservedW': (number);
  'enforcedW': (number);
  'drawnW': (number);
  'reclaimedW': (number);
}
