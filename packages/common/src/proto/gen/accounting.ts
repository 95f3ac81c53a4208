import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { GetJobUsageRequest as _wattpack_v1_GetJobUsageRequest, GetJobUsageRequest__Output as _wattpack_v1_GetJobUsageRequest__Output } from './wattpack/v1/GetJobUsageRequest.js';
import type { GetJobUsageResponse as _wattpack_v1_GetJobUsageResponse, GetJobUsageResponse__Output as _wattpack_v1_GetJobUsageResponse__Output } from './wattpack/v1/GetJobUsageResponse.js';
import type { GetUsageRequest as _wattpack_v1_GetUsageRequest, GetUsageRequest__Output as _wattpack_v1_GetUsageRequest__Output } from './wattpack/v1/GetUsageRequest.js';
import type { GetUsageResponse as _wattpack_v1_GetUsageResponse, GetUsageResponse__Output as _wattpack_v1_GetUsageResponse__Output } from './wattpack/v1/GetUsageResponse.js';
import type { ListHistoryRequest as _wattpack_v1_ListHistoryRequest, ListHistoryRequest__Output as _wattpack_v1_ListHistoryRequest__Output } from './wattpack/v1/ListHistoryRequest.js';
import type { ListHistoryResponse as _wattpack_v1_ListHistoryResponse, ListHistoryResponse__Output as _wattpack_v1_ListHistoryResponse__Output } from './wattpack/v1/ListHistoryResponse.js';
import type { ListSharesRequest as _wattpack_v1_ListSharesRequest, ListSharesRequest__Output as _wattpack_v1_ListSharesRequest__Output } from './wattpack/v1/ListSharesRequest.js';
import type { ListSharesResponse as _wattpack_v1_ListSharesResponse, ListSharesResponse__Output as _wattpack_v1_ListSharesResponse__Output } from './wattpack/v1/ListSharesResponse.js';
import type { TeamStanding as _wattpack_v1_TeamStanding, TeamStanding__Output as _wattpack_v1_TeamStanding__Output } from './wattpack/v1/TeamStanding.js';
import type { UsageRecord as _wattpack_v1_UsageRecord, UsageRecord__Output as _wattpack_v1_UsageRecord__Output } from './wattpack/v1/UsageRecord.js';
import type { UsageRow as _wattpack_v1_UsageRow, UsageRow__Output as _wattpack_v1_UsageRow__Output } from './wattpack/v1/UsageRow.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  wattpack: {
    v1: {
      GetJobUsageRequest: MessageTypeDefinition<_wattpack_v1_GetJobUsageRequest, _wattpack_v1_GetJobUsageRequest__Output>
      GetJobUsageResponse: MessageTypeDefinition<_wattpack_v1_GetJobUsageResponse, _wattpack_v1_GetJobUsageResponse__Output>
      GetUsageRequest: MessageTypeDefinition<_wattpack_v1_GetUsageRequest, _wattpack_v1_GetUsageRequest__Output>
      GetUsageResponse: MessageTypeDefinition<_wattpack_v1_GetUsageResponse, _wattpack_v1_GetUsageResponse__Output>
      ListHistoryRequest: MessageTypeDefinition<_wattpack_v1_ListHistoryRequest, _wattpack_v1_ListHistoryRequest__Output>
      ListHistoryResponse: MessageTypeDefinition<_wattpack_v1_ListHistoryResponse, _wattpack_v1_ListHistoryResponse__Output>
      ListSharesRequest: MessageTypeDefinition<_wattpack_v1_ListSharesRequest, _wattpack_v1_ListSharesRequest__Output>
      ListSharesResponse: MessageTypeDefinition<_wattpack_v1_ListSharesResponse, _wattpack_v1_ListSharesResponse__Output>
      TeamStanding: MessageTypeDefinition<_wattpack_v1_TeamStanding, _wattpack_v1_TeamStanding__Output>
      UsageRecord: MessageTypeDefinition<_wattpack_v1_UsageRecord, _wattpack_v1_UsageRecord__Output>
      UsageRow: MessageTypeDefinition<_wattpack_v1_UsageRow, _wattpack_v1_UsageRow__Output>
    }
  }
}

