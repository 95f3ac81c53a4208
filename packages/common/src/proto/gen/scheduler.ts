import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AgentMessage as _wattpack_v1_AgentMessage, AgentMessage__Output as _wattpack_v1_AgentMessage__Output } from './wattpack/v1/AgentMessage.js';
import type { AttemptState as _wattpack_v1_AttemptState, AttemptState__Output as _wattpack_v1_AttemptState__Output } from './wattpack/v1/AttemptState.js';
import type { AuditRecord as _wattpack_v1_AuditRecord, AuditRecord__Output as _wattpack_v1_AuditRecord__Output } from './wattpack/v1/AuditRecord.js';
import type { CancelJobRequest as _wattpack_v1_CancelJobRequest, CancelJobRequest__Output as _wattpack_v1_CancelJobRequest__Output } from './wattpack/v1/CancelJobRequest.js';
import type { Checkpoint as _wattpack_v1_Checkpoint, Checkpoint__Output as _wattpack_v1_Checkpoint__Output } from './wattpack/v1/Checkpoint.js';
import type { CordonNodesRequest as _wattpack_v1_CordonNodesRequest, CordonNodesRequest__Output as _wattpack_v1_CordonNodesRequest__Output } from './wattpack/v1/CordonNodesRequest.js';
import type { DrainNodesRequest as _wattpack_v1_DrainNodesRequest, DrainNodesRequest__Output as _wattpack_v1_DrainNodesRequest__Output } from './wattpack/v1/DrainNodesRequest.js';
import type { EndedAttempt as _wattpack_v1_EndedAttempt, EndedAttempt__Output as _wattpack_v1_EndedAttempt__Output } from './wattpack/v1/EndedAttempt.js';
import type { EventInterval as _wattpack_v1_EventInterval, EventInterval__Output as _wattpack_v1_EventInterval__Output } from './wattpack/v1/EventInterval.js';
import type { GetJobRequest as _wattpack_v1_GetJobRequest, GetJobRequest__Output as _wattpack_v1_GetJobRequest__Output } from './wattpack/v1/GetJobRequest.js';
import type { GetJobUsageRequest as _wattpack_v1_GetJobUsageRequest, GetJobUsageRequest__Output as _wattpack_v1_GetJobUsageRequest__Output } from './wattpack/v1/GetJobUsageRequest.js';
import type { GetJobUsageResponse as _wattpack_v1_GetJobUsageResponse, GetJobUsageResponse__Output as _wattpack_v1_GetJobUsageResponse__Output } from './wattpack/v1/GetJobUsageResponse.js';
import type { GetSiteRequest as _wattpack_v1_GetSiteRequest, GetSiteRequest__Output as _wattpack_v1_GetSiteRequest__Output } from './wattpack/v1/GetSiteRequest.js';
import type { GetUsageRequest as _wattpack_v1_GetUsageRequest, GetUsageRequest__Output as _wattpack_v1_GetUsageRequest__Output } from './wattpack/v1/GetUsageRequest.js';
import type { GetUsageResponse as _wattpack_v1_GetUsageResponse, GetUsageResponse__Output as _wattpack_v1_GetUsageResponse__Output } from './wattpack/v1/GetUsageResponse.js';
import type { GpuInfo as _wattpack_v1_GpuInfo, GpuInfo__Output as _wattpack_v1_GpuInfo__Output } from './wattpack/v1/GpuInfo.js';
import type { GpuState as _wattpack_v1_GpuState, GpuState__Output as _wattpack_v1_GpuState__Output } from './wattpack/v1/GpuState.js';
import type { GpuWatts as _wattpack_v1_GpuWatts, GpuWatts__Output as _wattpack_v1_GpuWatts__Output } from './wattpack/v1/GpuWatts.js';
import type { GridEvent as _wattpack_v1_GridEvent, GridEvent__Output as _wattpack_v1_GridEvent__Output } from './wattpack/v1/GridEvent.js';
import type { GridEventReport as _wattpack_v1_GridEventReport, GridEventReport__Output as _wattpack_v1_GridEventReport__Output } from './wattpack/v1/GridEventReport.js';
import type { HostInfo as _wattpack_v1_HostInfo, HostInfo__Output as _wattpack_v1_HostInfo__Output } from './wattpack/v1/HostInfo.js';
import type { HostState as _wattpack_v1_HostState, HostState__Output as _wattpack_v1_HostState__Output } from './wattpack/v1/HostState.js';
import type { Job as _wattpack_v1_Job, Job__Output as _wattpack_v1_Job__Output } from './wattpack/v1/Job.js';
import type { JobLogsRequest as _wattpack_v1_JobLogsRequest, JobLogsRequest__Output as _wattpack_v1_JobLogsRequest__Output } from './wattpack/v1/JobLogsRequest.js';
import type { JobPower as _wattpack_v1_JobPower, JobPower__Output as _wattpack_v1_JobPower__Output } from './wattpack/v1/JobPower.js';
import type { JobSpec as _wattpack_v1_JobSpec, JobSpec__Output as _wattpack_v1_JobSpec__Output } from './wattpack/v1/JobSpec.js';
import type { LimitChange as _wattpack_v1_LimitChange, LimitChange__Output as _wattpack_v1_LimitChange__Output } from './wattpack/v1/LimitChange.js';
import type { ListAuditRequest as _wattpack_v1_ListAuditRequest, ListAuditRequest__Output as _wattpack_v1_ListAuditRequest__Output } from './wattpack/v1/ListAuditRequest.js';
import type { ListAuditResponse as _wattpack_v1_ListAuditResponse, ListAuditResponse__Output as _wattpack_v1_ListAuditResponse__Output } from './wattpack/v1/ListAuditResponse.js';
import type { ListHistoryRequest as _wattpack_v1_ListHistoryRequest, ListHistoryRequest__Output as _wattpack_v1_ListHistoryRequest__Output } from './wattpack/v1/ListHistoryRequest.js';
import type { ListHistoryResponse as _wattpack_v1_ListHistoryResponse, ListHistoryResponse__Output as _wattpack_v1_ListHistoryResponse__Output } from './wattpack/v1/ListHistoryResponse.js';
import type { ListJobsRequest as _wattpack_v1_ListJobsRequest, ListJobsRequest__Output as _wattpack_v1_ListJobsRequest__Output } from './wattpack/v1/ListJobsRequest.js';
import type { ListJobsResponse as _wattpack_v1_ListJobsResponse, ListJobsResponse__Output as _wattpack_v1_ListJobsResponse__Output } from './wattpack/v1/ListJobsResponse.js';
import type { ListNodesRequest as _wattpack_v1_ListNodesRequest, ListNodesRequest__Output as _wattpack_v1_ListNodesRequest__Output } from './wattpack/v1/ListNodesRequest.js';
import type { ListNodesResponse as _wattpack_v1_ListNodesResponse, ListNodesResponse__Output as _wattpack_v1_ListNodesResponse__Output } from './wattpack/v1/ListNodesResponse.js';
import type { ListSharesRequest as _wattpack_v1_ListSharesRequest, ListSharesRequest__Output as _wattpack_v1_ListSharesRequest__Output } from './wattpack/v1/ListSharesRequest.js';
import type { ListSharesResponse as _wattpack_v1_ListSharesResponse, ListSharesResponse__Output as _wattpack_v1_ListSharesResponse__Output } from './wattpack/v1/ListSharesResponse.js';
import type { LogLine as _wattpack_v1_LogLine, LogLine__Output as _wattpack_v1_LogLine__Output } from './wattpack/v1/LogLine.js';
import type { Meter as _wattpack_v1_Meter, Meter__Output as _wattpack_v1_Meter__Output } from './wattpack/v1/Meter.js';
import type { MinerInfo as _wattpack_v1_MinerInfo, MinerInfo__Output as _wattpack_v1_MinerInfo__Output } from './wattpack/v1/MinerInfo.js';
import type { MinerState as _wattpack_v1_MinerState, MinerState__Output as _wattpack_v1_MinerState__Output } from './wattpack/v1/MinerState.js';
import type { Mount as _wattpack_v1_Mount, Mount__Output as _wattpack_v1_Mount__Output } from './wattpack/v1/Mount.js';
import type { Node as _wattpack_v1_Node, Node__Output as _wattpack_v1_Node__Output } from './wattpack/v1/Node.js';
import type { NodeAssignment as _wattpack_v1_NodeAssignment, NodeAssignment__Output as _wattpack_v1_NodeAssignment__Output } from './wattpack/v1/NodeAssignment.js';
import type { NodeDrain as _wattpack_v1_NodeDrain, NodeDrain__Output as _wattpack_v1_NodeDrain__Output } from './wattpack/v1/NodeDrain.js';
import type { NodeInventory as _wattpack_v1_NodeInventory, NodeInventory__Output as _wattpack_v1_NodeInventory__Output } from './wattpack/v1/NodeInventory.js';
import type { NodeReport as _wattpack_v1_NodeReport, NodeReport__Output as _wattpack_v1_NodeReport__Output } from './wattpack/v1/NodeReport.js';
import type { NodeSelector as _wattpack_v1_NodeSelector, NodeSelector__Output as _wattpack_v1_NodeSelector__Output } from './wattpack/v1/NodeSelector.js';
import type { NodeServiceClient as _wattpack_v1_NodeServiceClient, NodeServiceDefinition as _wattpack_v1_NodeServiceDefinition } from './wattpack/v1/NodeService.js';
import type { OpenAdr as _wattpack_v1_OpenAdr, OpenAdr__Output as _wattpack_v1_OpenAdr__Output } from './wattpack/v1/OpenAdr.js';
import type { PlanNextRequest as _wattpack_v1_PlanNextRequest, PlanNextRequest__Output as _wattpack_v1_PlanNextRequest__Output } from './wattpack/v1/PlanNextRequest.js';
import type { PlanPreview as _wattpack_v1_PlanPreview, PlanPreview__Output as _wattpack_v1_PlanPreview__Output } from './wattpack/v1/PlanPreview.js';
import type { PlannedLimit as _wattpack_v1_PlannedLimit, PlannedLimit__Output as _wattpack_v1_PlannedLimit__Output } from './wattpack/v1/PlannedLimit.js';
import type { PlannedPlacement as _wattpack_v1_PlannedPlacement, PlannedPlacement__Output as _wattpack_v1_PlannedPlacement__Output } from './wattpack/v1/PlannedPlacement.js';
import type { PlannedPreemption as _wattpack_v1_PlannedPreemption, PlannedPreemption__Output as _wattpack_v1_PlannedPreemption__Output } from './wattpack/v1/PlannedPreemption.js';
import type { PlannedWait as _wattpack_v1_PlannedWait, PlannedWait__Output as _wattpack_v1_PlannedWait__Output } from './wattpack/v1/PlannedWait.js';
import type { PowerPolicy as _wattpack_v1_PowerPolicy, PowerPolicy__Output as _wattpack_v1_PowerPolicy__Output } from './wattpack/v1/PowerPolicy.js';
import type { PowerSplit as _wattpack_v1_PowerSplit, PowerSplit__Output as _wattpack_v1_PowerSplit__Output } from './wattpack/v1/PowerSplit.js';
import type { RegisterNode as _wattpack_v1_RegisterNode, RegisterNode__Output as _wattpack_v1_RegisterNode__Output } from './wattpack/v1/RegisterNode.js';
import type { Registered as _wattpack_v1_Registered, Registered__Output as _wattpack_v1_Registered__Output } from './wattpack/v1/Registered.js';
import type { Rejected as _wattpack_v1_Rejected, Rejected__Output as _wattpack_v1_Rejected__Output } from './wattpack/v1/Rejected.js';
import type { RevokeCredentialRequest as _wattpack_v1_RevokeCredentialRequest, RevokeCredentialRequest__Output as _wattpack_v1_RevokeCredentialRequest__Output } from './wattpack/v1/RevokeCredentialRequest.js';
import type { RevokeCredentialResponse as _wattpack_v1_RevokeCredentialResponse, RevokeCredentialResponse__Output as _wattpack_v1_RevokeCredentialResponse__Output } from './wattpack/v1/RevokeCredentialResponse.js';
import type { SchedulerMessage as _wattpack_v1_SchedulerMessage, SchedulerMessage__Output as _wattpack_v1_SchedulerMessage__Output } from './wattpack/v1/SchedulerMessage.js';
import type { SchedulerServiceClient as _wattpack_v1_SchedulerServiceClient, SchedulerServiceDefinition as _wattpack_v1_SchedulerServiceDefinition } from './wattpack/v1/SchedulerService.js';
import type { SetNodePowerRequest as _wattpack_v1_SetNodePowerRequest, SetNodePowerRequest__Output as _wattpack_v1_SetNodePowerRequest__Output } from './wattpack/v1/SetNodePowerRequest.js';
import type { Site as _wattpack_v1_Site, Site__Output as _wattpack_v1_Site__Output } from './wattpack/v1/Site.js';
import type { SlowedJob as _wattpack_v1_SlowedJob, SlowedJob__Output as _wattpack_v1_SlowedJob__Output } from './wattpack/v1/SlowedJob.js';
import type { SubmitJobRequest as _wattpack_v1_SubmitJobRequest, SubmitJobRequest__Output as _wattpack_v1_SubmitJobRequest__Output } from './wattpack/v1/SubmitJobRequest.js';
import type { SubmitJobsRequest as _wattpack_v1_SubmitJobsRequest, SubmitJobsRequest__Output as _wattpack_v1_SubmitJobsRequest__Output } from './wattpack/v1/SubmitJobsRequest.js';
import type { SubmitJobsResponse as _wattpack_v1_SubmitJobsResponse, SubmitJobsResponse__Output as _wattpack_v1_SubmitJobsResponse__Output } from './wattpack/v1/SubmitJobsResponse.js';
import type { TeamShare as _wattpack_v1_TeamShare, TeamShare__Output as _wattpack_v1_TeamShare__Output } from './wattpack/v1/TeamShare.js';
import type { TeamStanding as _wattpack_v1_TeamStanding, TeamStanding__Output as _wattpack_v1_TeamStanding__Output } from './wattpack/v1/TeamStanding.js';
import type { UncordonNodesRequest as _wattpack_v1_UncordonNodesRequest, UncordonNodesRequest__Output as _wattpack_v1_UncordonNodesRequest__Output } from './wattpack/v1/UncordonNodesRequest.js';
import type { UpdateSiteRequest as _wattpack_v1_UpdateSiteRequest, UpdateSiteRequest__Output as _wattpack_v1_UpdateSiteRequest__Output } from './wattpack/v1/UpdateSiteRequest.js';
import type { UsageRecord as _wattpack_v1_UsageRecord, UsageRecord__Output as _wattpack_v1_UsageRecord__Output } from './wattpack/v1/UsageRecord.js';
import type { UsageRow as _wattpack_v1_UsageRow, UsageRow__Output as _wattpack_v1_UsageRow__Output } from './wattpack/v1/UsageRow.js';
import type { WatchJobRequest as _wattpack_v1_WatchJobRequest, WatchJobRequest__Output as _wattpack_v1_WatchJobRequest__Output } from './wattpack/v1/WatchJobRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  wattpack: {
    v1: {
      AgentMessage: MessageTypeDefinition<_wattpack_v1_AgentMessage, _wattpack_v1_AgentMessage__Output>
      AttemptState: MessageTypeDefinition<_wattpack_v1_AttemptState, _wattpack_v1_AttemptState__Output>
      AuditRecord: MessageTypeDefinition<_wattpack_v1_AuditRecord, _wattpack_v1_AuditRecord__Output>
      CancelJobRequest: MessageTypeDefinition<_wattpack_v1_CancelJobRequest, _wattpack_v1_CancelJobRequest__Output>
      Checkpoint: MessageTypeDefinition<_wattpack_v1_Checkpoint, _wattpack_v1_Checkpoint__Output>
      CordonNodesRequest: MessageTypeDefinition<_wattpack_v1_CordonNodesRequest, _wattpack_v1_CordonNodesRequest__Output>
      DrainNodesRequest: MessageTypeDefinition<_wattpack_v1_DrainNodesRequest, _wattpack_v1_DrainNodesRequest__Output>
      EndedAttempt: MessageTypeDefinition<_wattpack_v1_EndedAttempt, _wattpack_v1_EndedAttempt__Output>
      EventInterval: MessageTypeDefinition<_wattpack_v1_EventInterval, _wattpack_v1_EventInterval__Output>
      GetJobRequest: MessageTypeDefinition<_wattpack_v1_GetJobRequest, _wattpack_v1_GetJobRequest__Output>
      GetJobUsageRequest: MessageTypeDefinition<_wattpack_v1_GetJobUsageRequest, _wattpack_v1_GetJobUsageRequest__Output>
      GetJobUsageResponse: MessageTypeDefinition<_wattpack_v1_GetJobUsageResponse, _wattpack_v1_GetJobUsageResponse__Output>
      GetSiteRequest: MessageTypeDefinition<_wattpack_v1_GetSiteRequest, _wattpack_v1_GetSiteRequest__Output>
      GetUsageRequest: MessageTypeDefinition<_wattpack_v1_GetUsageRequest, _wattpack_v1_GetUsageRequest__Output>
      GetUsageResponse: MessageTypeDefinition<_wattpack_v1_GetUsageResponse, _wattpack_v1_GetUsageResponse__Output>
      GpuInfo: MessageTypeDefinition<_wattpack_v1_GpuInfo, _wattpack_v1_GpuInfo__Output>
      GpuState: MessageTypeDefinition<_wattpack_v1_GpuState, _wattpack_v1_GpuState__Output>
      GpuWatts: MessageTypeDefinition<_wattpack_v1_GpuWatts, _wattpack_v1_GpuWatts__Output>
      GridEvent: MessageTypeDefinition<_wattpack_v1_GridEvent, _wattpack_v1_GridEvent__Output>
      GridEventReport: MessageTypeDefinition<_wattpack_v1_GridEventReport, _wattpack_v1_GridEventReport__Output>
      Health: EnumTypeDefinition
      HostInfo: MessageTypeDefinition<_wattpack_v1_HostInfo, _wattpack_v1_HostInfo__Output>
      HostState: MessageTypeDefinition<_wattpack_v1_HostState, _wattpack_v1_HostState__Output>
      Job: MessageTypeDefinition<_wattpack_v1_Job, _wattpack_v1_Job__Output>
      JobLogsRequest: MessageTypeDefinition<_wattpack_v1_JobLogsRequest, _wattpack_v1_JobLogsRequest__Output>
      JobPower: MessageTypeDefinition<_wattpack_v1_JobPower, _wattpack_v1_JobPower__Output>
      JobSpec: MessageTypeDefinition<_wattpack_v1_JobSpec, _wattpack_v1_JobSpec__Output>
      LimitChange: MessageTypeDefinition<_wattpack_v1_LimitChange, _wattpack_v1_LimitChange__Output>
      ListAuditRequest: MessageTypeDefinition<_wattpack_v1_ListAuditRequest, _wattpack_v1_ListAuditRequest__Output>
      ListAuditResponse: MessageTypeDefinition<_wattpack_v1_ListAuditResponse, _wattpack_v1_ListAuditResponse__Output>
      ListHistoryRequest: MessageTypeDefinition<_wattpack_v1_ListHistoryRequest, _wattpack_v1_ListHistoryRequest__Output>
      ListHistoryResponse: MessageTypeDefinition<_wattpack_v1_ListHistoryResponse, _wattpack_v1_ListHistoryResponse__Output>
      ListJobsRequest: MessageTypeDefinition<_wattpack_v1_ListJobsRequest, _wattpack_v1_ListJobsRequest__Output>
      ListJobsResponse: MessageTypeDefinition<_wattpack_v1_ListJobsResponse, _wattpack_v1_ListJobsResponse__Output>
      ListNodesRequest: MessageTypeDefinition<_wattpack_v1_ListNodesRequest, _wattpack_v1_ListNodesRequest__Output>
      ListNodesResponse: MessageTypeDefinition<_wattpack_v1_ListNodesResponse, _wattpack_v1_ListNodesResponse__Output>
      ListSharesRequest: MessageTypeDefinition<_wattpack_v1_ListSharesRequest, _wattpack_v1_ListSharesRequest__Output>
      ListSharesResponse: MessageTypeDefinition<_wattpack_v1_ListSharesResponse, _wattpack_v1_ListSharesResponse__Output>
      LogLine: MessageTypeDefinition<_wattpack_v1_LogLine, _wattpack_v1_LogLine__Output>
      Meter: MessageTypeDefinition<_wattpack_v1_Meter, _wattpack_v1_Meter__Output>
      MinerInfo: MessageTypeDefinition<_wattpack_v1_MinerInfo, _wattpack_v1_MinerInfo__Output>
      MinerRunState: EnumTypeDefinition
      MinerState: MessageTypeDefinition<_wattpack_v1_MinerState, _wattpack_v1_MinerState__Output>
      Mount: MessageTypeDefinition<_wattpack_v1_Mount, _wattpack_v1_Mount__Output>
      Node: MessageTypeDefinition<_wattpack_v1_Node, _wattpack_v1_Node__Output>
      NodeAssignment: MessageTypeDefinition<_wattpack_v1_NodeAssignment, _wattpack_v1_NodeAssignment__Output>
      NodeDrain: MessageTypeDefinition<_wattpack_v1_NodeDrain, _wattpack_v1_NodeDrain__Output>
      NodeInventory: MessageTypeDefinition<_wattpack_v1_NodeInventory, _wattpack_v1_NodeInventory__Output>
      NodeReport: MessageTypeDefinition<_wattpack_v1_NodeReport, _wattpack_v1_NodeReport__Output>
      NodeSelector: MessageTypeDefinition<_wattpack_v1_NodeSelector, _wattpack_v1_NodeSelector__Output>
      NodeService: SubtypeConstructor<typeof grpc.Client, _wattpack_v1_NodeServiceClient> & { service: _wattpack_v1_NodeServiceDefinition }
      OpenAdr: MessageTypeDefinition<_wattpack_v1_OpenAdr, _wattpack_v1_OpenAdr__Output>
      PlanNextRequest: MessageTypeDefinition<_wattpack_v1_PlanNextRequest, _wattpack_v1_PlanNextRequest__Output>
      PlanPreview: MessageTypeDefinition<_wattpack_v1_PlanPreview, _wattpack_v1_PlanPreview__Output>
      PlannedLimit: MessageTypeDefinition<_wattpack_v1_PlannedLimit, _wattpack_v1_PlannedLimit__Output>
      PlannedPlacement: MessageTypeDefinition<_wattpack_v1_PlannedPlacement, _wattpack_v1_PlannedPlacement__Output>
      PlannedPreemption: MessageTypeDefinition<_wattpack_v1_PlannedPreemption, _wattpack_v1_PlannedPreemption__Output>
      PlannedWait: MessageTypeDefinition<_wattpack_v1_PlannedWait, _wattpack_v1_PlannedWait__Output>
      PowerPolicy: MessageTypeDefinition<_wattpack_v1_PowerPolicy, _wattpack_v1_PowerPolicy__Output>
      PowerSplit: MessageTypeDefinition<_wattpack_v1_PowerSplit, _wattpack_v1_PowerSplit__Output>
      RegisterNode: MessageTypeDefinition<_wattpack_v1_RegisterNode, _wattpack_v1_RegisterNode__Output>
      Registered: MessageTypeDefinition<_wattpack_v1_Registered, _wattpack_v1_Registered__Output>
      Rejected: MessageTypeDefinition<_wattpack_v1_Rejected, _wattpack_v1_Rejected__Output>
      RevokeCredentialRequest: MessageTypeDefinition<_wattpack_v1_RevokeCredentialRequest, _wattpack_v1_RevokeCredentialRequest__Output>
      RevokeCredentialResponse: MessageTypeDefinition<_wattpack_v1_RevokeCredentialResponse, _wattpack_v1_RevokeCredentialResponse__Output>
      SchedulerMessage: MessageTypeDefinition<_wattpack_v1_SchedulerMessage, _wattpack_v1_SchedulerMessage__Output>
      SchedulerService: SubtypeConstructor<typeof grpc.Client, _wattpack_v1_SchedulerServiceClient> & { service: _wattpack_v1_SchedulerServiceDefinition }
      SetNodePowerRequest: MessageTypeDefinition<_wattpack_v1_SetNodePowerRequest, _wattpack_v1_SetNodePowerRequest__Output>
      Site: MessageTypeDefinition<_wattpack_v1_Site, _wattpack_v1_Site__Output>
      SlowedJob: MessageTypeDefinition<_wattpack_v1_SlowedJob, _wattpack_v1_SlowedJob__Output>
      SubmitJobRequest: MessageTypeDefinition<_wattpack_v1_SubmitJobRequest, _wattpack_v1_SubmitJobRequest__Output>
      SubmitJobsRequest: MessageTypeDefinition<_wattpack_v1_SubmitJobsRequest, _wattpack_v1_SubmitJobsRequest__Output>
      SubmitJobsResponse: MessageTypeDefinition<_wattpack_v1_SubmitJobsResponse, _wattpack_v1_SubmitJobsResponse__Output>
      TeamShare: MessageTypeDefinition<_wattpack_v1_TeamShare, _wattpack_v1_TeamShare__Output>
      TeamStanding: MessageTypeDefinition<_wattpack_v1_TeamStanding, _wattpack_v1_TeamStanding__Output>
      UncordonNodesRequest: MessageTypeDefinition<_wattpack_v1_UncordonNodesRequest, _wattpack_v1_UncordonNodesRequest__Output>
      UpdateSiteRequest: MessageTypeDefinition<_wattpack_v1_UpdateSiteRequest, _wattpack_v1_UpdateSiteRequest__Output>
      UsageRecord: MessageTypeDefinition<_wattpack_v1_UsageRecord, _wattpack_v1_UsageRecord__Output>
      UsageRow: MessageTypeDefinition<_wattpack_v1_UsageRow, _wattpack_v1_UsageRow__Output>
      WatchJobRequest: MessageTypeDefinition<_wattpack_v1_WatchJobRequest, _wattpack_v1_WatchJobRequest__Output>
    }
  }
}

