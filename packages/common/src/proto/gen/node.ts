import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AgentMessage as _wattpack_v1_AgentMessage, AgentMessage__Output as _wattpack_v1_AgentMessage__Output } from './wattpack/v1/AgentMessage.js';
import type { AttemptState as _wattpack_v1_AttemptState, AttemptState__Output as _wattpack_v1_AttemptState__Output } from './wattpack/v1/AttemptState.js';
import type { EndedAttempt as _wattpack_v1_EndedAttempt, EndedAttempt__Output as _wattpack_v1_EndedAttempt__Output } from './wattpack/v1/EndedAttempt.js';
import type { GpuInfo as _wattpack_v1_GpuInfo, GpuInfo__Output as _wattpack_v1_GpuInfo__Output } from './wattpack/v1/GpuInfo.js';
import type { GpuState as _wattpack_v1_GpuState, GpuState__Output as _wattpack_v1_GpuState__Output } from './wattpack/v1/GpuState.js';
import type { HostInfo as _wattpack_v1_HostInfo, HostInfo__Output as _wattpack_v1_HostInfo__Output } from './wattpack/v1/HostInfo.js';
import type { HostState as _wattpack_v1_HostState, HostState__Output as _wattpack_v1_HostState__Output } from './wattpack/v1/HostState.js';
import type { MinerInfo as _wattpack_v1_MinerInfo, MinerInfo__Output as _wattpack_v1_MinerInfo__Output } from './wattpack/v1/MinerInfo.js';
import type { MinerState as _wattpack_v1_MinerState, MinerState__Output as _wattpack_v1_MinerState__Output } from './wattpack/v1/MinerState.js';
import type { NodeInventory as _wattpack_v1_NodeInventory, NodeInventory__Output as _wattpack_v1_NodeInventory__Output } from './wattpack/v1/NodeInventory.js';
import type { NodeReport as _wattpack_v1_NodeReport, NodeReport__Output as _wattpack_v1_NodeReport__Output } from './wattpack/v1/NodeReport.js';
import type { NodeServiceClient as _wattpack_v1_NodeServiceClient, NodeServiceDefinition as _wattpack_v1_NodeServiceDefinition } from './wattpack/v1/NodeService.js';
import type { RegisterNode as _wattpack_v1_RegisterNode, RegisterNode__Output as _wattpack_v1_RegisterNode__Output } from './wattpack/v1/RegisterNode.js';
import type { Registered as _wattpack_v1_Registered, Registered__Output as _wattpack_v1_Registered__Output } from './wattpack/v1/Registered.js';
import type { Rejected as _wattpack_v1_Rejected, Rejected__Output as _wattpack_v1_Rejected__Output } from './wattpack/v1/Rejected.js';
import type { SchedulerMessage as _wattpack_v1_SchedulerMessage, SchedulerMessage__Output as _wattpack_v1_SchedulerMessage__Output } from './wattpack/v1/SchedulerMessage.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  wattpack: {
    v1: {
      AgentMessage: MessageTypeDefinition<_wattpack_v1_AgentMessage, _wattpack_v1_AgentMessage__Output>
      AttemptState: MessageTypeDefinition<_wattpack_v1_AttemptState, _wattpack_v1_AttemptState__Output>
      EndedAttempt: MessageTypeDefinition<_wattpack_v1_EndedAttempt, _wattpack_v1_EndedAttempt__Output>
      GpuInfo: MessageTypeDefinition<_wattpack_v1_GpuInfo, _wattpack_v1_GpuInfo__Output>
      GpuState: MessageTypeDefinition<_wattpack_v1_GpuState, _wattpack_v1_GpuState__Output>
      Health: EnumTypeDefinition
      HostInfo: MessageTypeDefinition<_wattpack_v1_HostInfo, _wattpack_v1_HostInfo__Output>
      HostState: MessageTypeDefinition<_wattpack_v1_HostState, _wattpack_v1_HostState__Output>
      MinerInfo: MessageTypeDefinition<_wattpack_v1_MinerInfo, _wattpack_v1_MinerInfo__Output>
      MinerRunState: EnumTypeDefinition
      MinerState: MessageTypeDefinition<_wattpack_v1_MinerState, _wattpack_v1_MinerState__Output>
      NodeInventory: MessageTypeDefinition<_wattpack_v1_NodeInventory, _wattpack_v1_NodeInventory__Output>
      NodeReport: MessageTypeDefinition<_wattpack_v1_NodeReport, _wattpack_v1_NodeReport__Output>
      NodeService: SubtypeConstructor<typeof grpc.Client, _wattpack_v1_NodeServiceClient> & { service: _wattpack_v1_NodeServiceDefinition }
      RegisterNode: MessageTypeDefinition<_wattpack_v1_RegisterNode, _wattpack_v1_RegisterNode__Output>
      Registered: MessageTypeDefinition<_wattpack_v1_Registered, _wattpack_v1_Registered__Output>
      Rejected: MessageTypeDefinition<_wattpack_v1_Rejected, _wattpack_v1_Rejected__Output>
      SchedulerMessage: MessageTypeDefinition<_wattpack_v1_SchedulerMessage, _wattpack_v1_SchedulerMessage__Output>
    }
  }
}

