// Original file: proto/wattpack/v1/scheduler.proto

import type { GridEvent as _wattpack_v1_GridEvent, GridEvent__Output as _wattpack_v1_GridEvent__Output } from '../../wattpack/v1/GridEvent.js';
import type { TeamShare as _wattpack_v1_TeamShare, TeamShare__Output as _wattpack_v1_TeamShare__Output } from '../../wattpack/v1/TeamShare.js';

export interface UpdateSiteRequest {
  'capMw'?: (number | string);
  'addGridEvents'?: (_wattpack_v1_GridEvent)[];
  'clearGridEvents'?: (boolean);
  'setTeams'?: ({[key: string]: _wattpack_v1_TeamShare});
  'removeTeams'?: (string)[];
  '_capMw'?: "capMw";
}

export interface UpdateSiteRequest__Output {
  'capMw'?: (number);
  'addGridEvents': (_wattpack_v1_GridEvent__Output)[];
  'clearGridEvents': (boolean);
  'setTeams': ({[key: string]: _wattpack_v1_TeamShare__Output});
  'removeTeams': (string)[];
  '_capMw'?: "capMw";
}
