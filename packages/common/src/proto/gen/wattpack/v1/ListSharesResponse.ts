// Original file: proto/wattpack/v1/accounting.proto

import type { TeamStanding as _wattpack_v1_TeamStanding, TeamStanding__Output as _wattpack_v1_TeamStanding__Output } from '../../wattpack/v1/TeamStanding.js';

export interface ListSharesResponse {
  'teams'?: (_wattpack_v1_TeamStanding)[];
  'decayHalfLifeS'?: (number | string);
}

export interface ListSharesResponse__Output {
  'teams': (_wattpack_v1_TeamStanding__Output)[];
  'decayHalfLifeS': (number);
}
