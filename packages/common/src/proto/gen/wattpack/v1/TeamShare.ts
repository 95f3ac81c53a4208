// Original file: proto/wattpack/v1/scheduler.proto


export interface TeamShare {
  'gpus'?: (number);
  'mw'?: (number | string);
  '_gpus'?: "gpus";
  '_mw'?: "mw";
}

export interface TeamShare__Output {
  'gpus'?: (number);
  'mw'?: (number);
  '_gpus'?: "gpus";
  '_mw'?: "mw";
}
