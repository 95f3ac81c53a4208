// Original file: proto/wattpack/v1/node.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AgentMessage as _wattpack_v1_AgentMessage, AgentMessage__Output as _wattpack_v1_AgentMessage__Output } from '../../wattpack/v1/AgentMessage.js';
import type { SchedulerMessage as _wattpack_v1_SchedulerMessage, SchedulerMessage__Output as _wattpack_v1_SchedulerMessage__Output } from '../../wattpack/v1/SchedulerMessage.js';

export interface NodeServiceClient extends grpc.Client {
  Connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_wattpack_v1_AgentMessage, _wattpack_v1_SchedulerMessage__Output>;
  Connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_wattpack_v1_AgentMessage, _wattpack_v1_SchedulerMessage__Output>;
  connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_wattpack_v1_AgentMessage, _wattpack_v1_SchedulerMessage__Output>;
  connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_wattpack_v1_AgentMessage, _wattpack_v1_SchedulerMessage__Output>;
  
}

export interface NodeServiceHandlers extends grpc.UntypedServiceImplementation {
  Connect: grpc.handleBidiStreamingCall<_wattpack_v1_AgentMessage__Output, _wattpack_v1_SchedulerMessage>;
  
}

export interface NodeServiceDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<_wattpack_v1_AgentMessage, _wattpack_v1_SchedulerMessage, _wattpack_v1_AgentMessage__Output, _wattpack_v1_SchedulerMessage__Output>
}
