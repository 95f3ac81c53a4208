// Original file: proto/wattpack/v1/scheduler.proto


export interface NodeSelector {
  'nodeIds'?: (string)[];
  'labels'?: ({[key: string]: string});
}

export interface NodeSelector__Output {
  'nodeIds': (string)[];
  'labels': ({[key: string]: string});
}
