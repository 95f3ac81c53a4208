// Original file: proto/wattpack/v1/scheduler.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CancelJobRequest as _wattpack_v1_CancelJobRequest, CancelJobRequest__Output as _wattpack_v1_CancelJobRequest__Output } from '../../wattpack/v1/CancelJobRequest.js';
import type { CordonNodesRequest as _wattpack_v1_CordonNodesRequest, CordonNodesRequest__Output as _wattpack_v1_CordonNodesRequest__Output } from '../../wattpack/v1/CordonNodesRequest.js';
import type { DrainNodesRequest as _wattpack_v1_DrainNodesRequest, DrainNodesRequest__Output as _wattpack_v1_DrainNodesRequest__Output } from '../../wattpack/v1/DrainNodesRequest.js';
import type { GetJobRequest as _wattpack_v1_GetJobRequest, GetJobRequest__Output as _wattpack_v1_GetJobRequest__Output } from '../../wattpack/v1/GetJobRequest.js';
import type { GetJobUsageRequest as _wattpack_v1_GetJobUsageRequest, GetJobUsageRequest__Output as _wattpack_v1_GetJobUsageRequest__Output } from '../../wattpack/v1/GetJobUsageRequest.js';
import type { GetJobUsageResponse as _wattpack_v1_GetJobUsageResponse, GetJobUsageResponse__Output as _wattpack_v1_GetJobUsageResponse__Output } from '../../wattpack/v1/GetJobUsageResponse.js';
import type { GetSiteRequest as _wattpack_v1_GetSiteRequest, GetSiteRequest__Output as _wattpack_v1_GetSiteRequest__Output } from '../../wattpack/v1/GetSiteRequest.js';
import type { GetUsageRequest as _wattpack_v1_GetUsageRequest, GetUsageRequest__Output as _wattpack_v1_GetUsageRequest__Output } from '../../wattpack/v1/GetUsageRequest.js';
import type { GetUsageResponse as _wattpack_v1_GetUsageResponse, GetUsageResponse__Output as _wattpack_v1_GetUsageResponse__Output } from '../../wattpack/v1/GetUsageResponse.js';
import type { Job as _wattpack_v1_Job, Job__Output as _wattpack_v1_Job__Output } from '../../wattpack/v1/Job.js';
import type { JobLogsRequest as _wattpack_v1_JobLogsRequest, JobLogsRequest__Output as _wattpack_v1_JobLogsRequest__Output } from '../../wattpack/v1/JobLogsRequest.js';
import type { ListAuditRequest as _wattpack_v1_ListAuditRequest, ListAuditRequest__Output as _wattpack_v1_ListAuditRequest__Output } from '../../wattpack/v1/ListAuditRequest.js';
import type { ListAuditResponse as _wattpack_v1_ListAuditResponse, ListAuditResponse__Output as _wattpack_v1_ListAuditResponse__Output } from '../../wattpack/v1/ListAuditResponse.js';
import type { ListHistoryRequest as _wattpack_v1_ListHistoryRequest, ListHistoryRequest__Output as _wattpack_v1_ListHistoryRequest__Output } from '../../wattpack/v1/ListHistoryRequest.js';
import type { ListHistoryResponse as _wattpack_v1_ListHistoryResponse, ListHistoryResponse__Output as _wattpack_v1_ListHistoryResponse__Output } from '../../wattpack/v1/ListHistoryResponse.js';
import type { ListJobsRequest as _wattpack_v1_ListJobsRequest, ListJobsRequest__Output as _wattpack_v1_ListJobsRequest__Output } from '../../wattpack/v1/ListJobsRequest.js';
import type { ListJobsResponse as _wattpack_v1_ListJobsResponse, ListJobsResponse__Output as _wattpack_v1_ListJobsResponse__Output } from '../../wattpack/v1/ListJobsResponse.js';
import type { ListNodesRequest as _wattpack_v1_ListNodesRequest, ListNodesRequest__Output as _wattpack_v1_ListNodesRequest__Output } from '../../wattpack/v1/ListNodesRequest.js';
import type { ListNodesResponse as _wattpack_v1_ListNodesResponse, ListNodesResponse__Output as _wattpack_v1_ListNodesResponse__Output } from '../../wattpack/v1/ListNodesResponse.js';
import type { ListSharesRequest as _wattpack_v1_ListSharesRequest, ListSharesRequest__Output as _wattpack_v1_ListSharesRequest__Output } from '../../wattpack/v1/ListSharesRequest.js';
import type { ListSharesResponse as _wattpack_v1_ListSharesResponse, ListSharesResponse__Output as _wattpack_v1_ListSharesResponse__Output } from '../../wattpack/v1/ListSharesResponse.js';
import type { LogLine as _wattpack_v1_LogLine, LogLine__Output as _wattpack_v1_LogLine__Output } from '../../wattpack/v1/LogLine.js';
import type { PlanNextRequest as _wattpack_v1_PlanNextRequest, PlanNextRequest__Output as _wattpack_v1_PlanNextRequest__Output } from '../../wattpack/v1/PlanNextRequest.js';
import type { PlanPreview as _wattpack_v1_PlanPreview, PlanPreview__Output as _wattpack_v1_PlanPreview__Output } from '../../wattpack/v1/PlanPreview.js';
import type { RevokeCredentialRequest as _wattpack_v1_RevokeCredentialRequest, RevokeCredentialRequest__Output as _wattpack_v1_RevokeCredentialRequest__Output } from '../../wattpack/v1/RevokeCredentialRequest.js';
import type { RevokeCredentialResponse as _wattpack_v1_RevokeCredentialResponse, RevokeCredentialResponse__Output as _wattpack_v1_RevokeCredentialResponse__Output } from '../../wattpack/v1/RevokeCredentialResponse.js';
import type { SetNodePowerRequest as _wattpack_v1_SetNodePowerRequest, SetNodePowerRequest__Output as _wattpack_v1_SetNodePowerRequest__Output } from '../../wattpack/v1/SetNodePowerRequest.js';
import type { Site as _wattpack_v1_Site, Site__Output as _wattpack_v1_Site__Output } from '../../wattpack/v1/Site.js';
import type { SubmitJobRequest as _wattpack_v1_SubmitJobRequest, SubmitJobRequest__Output as _wattpack_v1_SubmitJobRequest__Output } from '../../wattpack/v1/SubmitJobRequest.js';
import type { SubmitJobsRequest as _wattpack_v1_SubmitJobsRequest, SubmitJobsRequest__Output as _wattpack_v1_SubmitJobsRequest__Output } from '../../wattpack/v1/SubmitJobsRequest.js';
import type { SubmitJobsResponse as _wattpack_v1_SubmitJobsResponse, SubmitJobsResponse__Output as _wattpack_v1_SubmitJobsResponse__Output } from '../../wattpack/v1/SubmitJobsResponse.js';
import type { UncordonNodesRequest as _wattpack_v1_UncordonNodesRequest, UncordonNodesRequest__Output as _wattpack_v1_UncordonNodesRequest__Output } from '../../wattpack/v1/UncordonNodesRequest.js';
import type { UpdateSiteRequest as _wattpack_v1_UpdateSiteRequest, UpdateSiteRequest__Output as _wattpack_v1_UpdateSiteRequest__Output } from '../../wattpack/v1/UpdateSiteRequest.js';
import type { WatchJobRequest as _wattpack_v1_WatchJobRequest, WatchJobRequest__Output as _wattpack_v1_WatchJobRequest__Output } from '../../wattpack/v1/WatchJobRequest.js';

export interface SchedulerServiceClient extends grpc.Client {
  CancelJob(argument: _wattpack_v1_CancelJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _wattpack_v1_CancelJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _wattpack_v1_CancelJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _wattpack_v1_CancelJobRequest, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _wattpack_v1_CancelJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _wattpack_v1_CancelJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _wattpack_v1_CancelJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _wattpack_v1_CancelJobRequest, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  
  CordonNodes(argument: _wattpack_v1_CordonNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  CordonNodes(argument: _wattpack_v1_CordonNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  CordonNodes(argument: _wattpack_v1_CordonNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  CordonNodes(argument: _wattpack_v1_CordonNodesRequest, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  cordonNodes(argument: _wattpack_v1_CordonNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  cordonNodes(argument: _wattpack_v1_CordonNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  cordonNodes(argument: _wattpack_v1_CordonNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  cordonNodes(argument: _wattpack_v1_CordonNodesRequest, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  
  DrainNodes(argument: _wattpack_v1_DrainNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  DrainNodes(argument: _wattpack_v1_DrainNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  DrainNodes(argument: _wattpack_v1_DrainNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  DrainNodes(argument: _wattpack_v1_DrainNodesRequest, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  drainNodes(argument: _wattpack_v1_DrainNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  drainNodes(argument: _wattpack_v1_DrainNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  drainNodes(argument: _wattpack_v1_DrainNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  drainNodes(argument: _wattpack_v1_DrainNodesRequest, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  
  GetJob(argument: _wattpack_v1_GetJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _wattpack_v1_GetJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _wattpack_v1_GetJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _wattpack_v1_GetJobRequest, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _wattpack_v1_GetJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _wattpack_v1_GetJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _wattpack_v1_GetJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _wattpack_v1_GetJobRequest, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  
  GetJobUsage(argument: _wattpack_v1_GetJobUsageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_GetJobUsageResponse__Output>): grpc.ClientUnaryCall;
  GetJobUsage(argument: _wattpack_v1_GetJobUsageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_GetJobUsageResponse__Output>): grpc.ClientUnaryCall;
  GetJobUsage(argument: _wattpack_v1_GetJobUsageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_GetJobUsageResponse__Output>): grpc.ClientUnaryCall;
  GetJobUsage(argument: _wattpack_v1_GetJobUsageRequest, callback: grpc.requestCallback<_wattpack_v1_GetJobUsageResponse__Output>): grpc.ClientUnaryCall;
  getJobUsage(argument: _wattpack_v1_GetJobUsageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_GetJobUsageResponse__Output>): grpc.ClientUnaryCall;
  getJobUsage(argument: _wattpack_v1_GetJobUsageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_GetJobUsageResponse__Output>): grpc.ClientUnaryCall;
  getJobUsage(argument: _wattpack_v1_GetJobUsageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_GetJobUsageResponse__Output>): grpc.ClientUnaryCall;
  getJobUsage(argument: _wattpack_v1_GetJobUsageRequest, callback: grpc.requestCallback<_wattpack_v1_GetJobUsageResponse__Output>): grpc.ClientUnaryCall;
  
  GetSite(argument: _wattpack_v1_GetSiteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Site__Output>): grpc.ClientUnaryCall;
  GetSite(argument: _wattpack_v1_GetSiteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_Site__Output>): grpc.ClientUnaryCall;
  GetSite(argument: _wattpack_v1_GetSiteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Site__Output>): grpc.ClientUnaryCall;
  GetSite(argument: _wattpack_v1_GetSiteRequest, callback: grpc.requestCallback<_wattpack_v1_Site__Output>): grpc.ClientUnaryCall;
  getSite(argument: _wattpack_v1_GetSiteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Site__Output>): grpc.ClientUnaryCall;
  getSite(argument: _wattpack_v1_GetSiteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_Site__Output>): grpc.ClientUnaryCall;
  getSite(argument: _wattpack_v1_GetSiteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Site__Output>): grpc.ClientUnaryCall;
  getSite(argument: _wattpack_v1_GetSiteRequest, callback: grpc.requestCallback<_wattpack_v1_Site__Output>): grpc.ClientUnaryCall;
  
  GetUsage(argument: _wattpack_v1_GetUsageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_GetUsageResponse__Output>): grpc.ClientUnaryCall;
  GetUsage(argument: _wattpack_v1_GetUsageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_GetUsageResponse__Output>): grpc.ClientUnaryCall;
  GetUsage(argument: _wattpack_v1_GetUsageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_GetUsageResponse__Output>): grpc.ClientUnaryCall;
  GetUsage(argument: _wattpack_v1_GetUsageRequest, callback: grpc.requestCallback<_wattpack_v1_GetUsageResponse__Output>): grpc.ClientUnaryCall;
  getUsage(argument: _wattpack_v1_GetUsageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_GetUsageResponse__Output>): grpc.ClientUnaryCall;
  getUsage(argument: _wattpack_v1_GetUsageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_GetUsageResponse__Output>): grpc.ClientUnaryCall;
  getUsage(argument: _wattpack_v1_GetUsageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_GetUsageResponse__Output>): grpc.ClientUnaryCall;
  getUsage(argument: _wattpack_v1_GetUsageRequest, callback: grpc.requestCallback<_wattpack_v1_GetUsageResponse__Output>): grpc.ClientUnaryCall;
  
  JobLogs(argument: _wattpack_v1_JobLogsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_wattpack_v1_LogLine__Output>;
  JobLogs(argument: _wattpack_v1_JobLogsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_wattpack_v1_LogLine__Output>;
  jobLogs(argument: _wattpack_v1_JobLogsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_wattpack_v1_LogLine__Output>;
  jobLogs(argument: _wattpack_v1_JobLogsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_wattpack_v1_LogLine__Output>;
  
  ListAudit(argument: _wattpack_v1_ListAuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  ListAudit(argument: _wattpack_v1_ListAuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  ListAudit(argument: _wattpack_v1_ListAuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  ListAudit(argument: _wattpack_v1_ListAuditRequest, callback: grpc.requestCallback<_wattpack_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _wattpack_v1_ListAuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _wattpack_v1_ListAuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _wattpack_v1_ListAuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _wattpack_v1_ListAuditRequest, callback: grpc.requestCallback<_wattpack_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  
  ListHistory(argument: _wattpack_v1_ListHistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListHistoryResponse__Output>): grpc.ClientUnaryCall;
  ListHistory(argument: _wattpack_v1_ListHistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListHistoryResponse__Output>): grpc.ClientUnaryCall;
  ListHistory(argument: _wattpack_v1_ListHistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListHistoryResponse__Output>): grpc.ClientUnaryCall;
  ListHistory(argument: _wattpack_v1_ListHistoryRequest, callback: grpc.requestCallback<_wattpack_v1_ListHistoryResponse__Output>): grpc.ClientUnaryCall;
  listHistory(argument: _wattpack_v1_ListHistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListHistoryResponse__Output>): grpc.ClientUnaryCall;
  listHistory(argument: _wattpack_v1_ListHistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListHistoryResponse__Output>): grpc.ClientUnaryCall;
  listHistory(argument: _wattpack_v1_ListHistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListHistoryResponse__Output>): grpc.ClientUnaryCall;
  listHistory(argument: _wattpack_v1_ListHistoryRequest, callback: grpc.requestCallback<_wattpack_v1_ListHistoryResponse__Output>): grpc.ClientUnaryCall;
  
  ListJobs(argument: _wattpack_v1_ListJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _wattpack_v1_ListJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _wattpack_v1_ListJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _wattpack_v1_ListJobsRequest, callback: grpc.requestCallback<_wattpack_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _wattpack_v1_ListJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _wattpack_v1_ListJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _wattpack_v1_ListJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _wattpack_v1_ListJobsRequest, callback: grpc.requestCallback<_wattpack_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  
  ListNodes(argument: _wattpack_v1_ListNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _wattpack_v1_ListNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _wattpack_v1_ListNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _wattpack_v1_ListNodesRequest, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _wattpack_v1_ListNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _wattpack_v1_ListNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _wattpack_v1_ListNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _wattpack_v1_ListNodesRequest, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  
  ListShares(argument: _wattpack_v1_ListSharesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListSharesResponse__Output>): grpc.ClientUnaryCall;
  ListShares(argument: _wattpack_v1_ListSharesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListSharesResponse__Output>): grpc.ClientUnaryCall;
  ListShares(argument: _wattpack_v1_ListSharesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListSharesResponse__Output>): grpc.ClientUnaryCall;
  ListShares(argument: _wattpack_v1_ListSharesRequest, callback: grpc.requestCallback<_wattpack_v1_ListSharesResponse__Output>): grpc.ClientUnaryCall;
  listShares(argument: _wattpack_v1_ListSharesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListSharesResponse__Output>): grpc.ClientUnaryCall;
  listShares(argument: _wattpack_v1_ListSharesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListSharesResponse__Output>): grpc.ClientUnaryCall;
  listShares(argument: _wattpack_v1_ListSharesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListSharesResponse__Output>): grpc.ClientUnaryCall;
  listShares(argument: _wattpack_v1_ListSharesRequest, callback: grpc.requestCallback<_wattpack_v1_ListSharesResponse__Output>): grpc.ClientUnaryCall;
  
  PlanNext(argument: _wattpack_v1_PlanNextRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_PlanPreview__Output>): grpc.ClientUnaryCall;
  PlanNext(argument: _wattpack_v1_PlanNextRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_PlanPreview__Output>): grpc.ClientUnaryCall;
  PlanNext(argument: _wattpack_v1_PlanNextRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_PlanPreview__Output>): grpc.ClientUnaryCall;
  PlanNext(argument: _wattpack_v1_PlanNextRequest, callback: grpc.requestCallback<_wattpack_v1_PlanPreview__Output>): grpc.ClientUnaryCall;
  planNext(argument: _wattpack_v1_PlanNextRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_PlanPreview__Output>): grpc.ClientUnaryCall;
  planNext(argument: _wattpack_v1_PlanNextRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_PlanPreview__Output>): grpc.ClientUnaryCall;
  planNext(argument: _wattpack_v1_PlanNextRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_PlanPreview__Output>): grpc.ClientUnaryCall;
  planNext(argument: _wattpack_v1_PlanNextRequest, callback: grpc.requestCallback<_wattpack_v1_PlanPreview__Output>): grpc.ClientUnaryCall;
  
  RevokeCredential(argument: _wattpack_v1_RevokeCredentialRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_RevokeCredentialResponse__Output>): grpc.ClientUnaryCall;
  RevokeCredential(argument: _wattpack_v1_RevokeCredentialRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_RevokeCredentialResponse__Output>): grpc.ClientUnaryCall;
  RevokeCredential(argument: _wattpack_v1_RevokeCredentialRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_RevokeCredentialResponse__Output>): grpc.ClientUnaryCall;
  RevokeCredential(argument: _wattpack_v1_RevokeCredentialRequest, callback: grpc.requestCallback<_wattpack_v1_RevokeCredentialResponse__Output>): grpc.ClientUnaryCall;
  revokeCredential(argument: _wattpack_v1_RevokeCredentialRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_RevokeCredentialResponse__Output>): grpc.ClientUnaryCall;
  revokeCredential(argument: _wattpack_v1_RevokeCredentialRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_RevokeCredentialResponse__Output>): grpc.ClientUnaryCall;
  revokeCredential(argument: _wattpack_v1_RevokeCredentialRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_RevokeCredentialResponse__Output>): grpc.ClientUnaryCall;
  revokeCredential(argument: _wattpack_v1_RevokeCredentialRequest, callback: grpc.requestCallback<_wattpack_v1_RevokeCredentialResponse__Output>): grpc.ClientUnaryCall;
  
  SetNodePower(argument: _wattpack_v1_SetNodePowerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  SetNodePower(argument: _wattpack_v1_SetNodePowerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  SetNodePower(argument: _wattpack_v1_SetNodePowerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  SetNodePower(argument: _wattpack_v1_SetNodePowerRequest, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  setNodePower(argument: _wattpack_v1_SetNodePowerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  setNodePower(argument: _wattpack_v1_SetNodePowerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  setNodePower(argument: _wattpack_v1_SetNodePowerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  setNodePower(argument: _wattpack_v1_SetNodePowerRequest, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  
  SubmitJob(argument: _wattpack_v1_SubmitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  SubmitJob(argument: _wattpack_v1_SubmitJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  SubmitJob(argument: _wattpack_v1_SubmitJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  SubmitJob(argument: _wattpack_v1_SubmitJobRequest, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _wattpack_v1_SubmitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _wattpack_v1_SubmitJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _wattpack_v1_SubmitJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _wattpack_v1_SubmitJobRequest, callback: grpc.requestCallback<_wattpack_v1_Job__Output>): grpc.ClientUnaryCall;
  
  SubmitJobs(argument: _wattpack_v1_SubmitJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_SubmitJobsResponse__Output>): grpc.ClientUnaryCall;
  SubmitJobs(argument: _wattpack_v1_SubmitJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_SubmitJobsResponse__Output>): grpc.ClientUnaryCall;
  SubmitJobs(argument: _wattpack_v1_SubmitJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_SubmitJobsResponse__Output>): grpc.ClientUnaryCall;
  SubmitJobs(argument: _wattpack_v1_SubmitJobsRequest, callback: grpc.requestCallback<_wattpack_v1_SubmitJobsResponse__Output>): grpc.ClientUnaryCall;
  submitJobs(argument: _wattpack_v1_SubmitJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_SubmitJobsResponse__Output>): grpc.ClientUnaryCall;
  submitJobs(argument: _wattpack_v1_SubmitJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_SubmitJobsResponse__Output>): grpc.ClientUnaryCall;
  submitJobs(argument: _wattpack_v1_SubmitJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_SubmitJobsResponse__Output>): grpc.ClientUnaryCall;
  submitJobs(argument: _wattpack_v1_SubmitJobsRequest, callback: grpc.requestCallback<_wattpack_v1_SubmitJobsResponse__Output>): grpc.ClientUnaryCall;
  
  UncordonNodes(argument: _wattpack_v1_UncordonNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  UncordonNodes(argument: _wattpack_v1_UncordonNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  UncordonNodes(argument: _wattpack_v1_UncordonNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  UncordonNodes(argument: _wattpack_v1_UncordonNodesRequest, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  uncordonNodes(argument: _wattpack_v1_UncordonNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  uncordonNodes(argument: _wattpack_v1_UncordonNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  uncordonNodes(argument: _wattpack_v1_UncordonNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  uncordonNodes(argument: _wattpack_v1_UncordonNodesRequest, callback: grpc.requestCallback<_wattpack_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  
  UpdateSite(argument: _wattpack_v1_UpdateSiteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Site__Output>): grpc.ClientUnaryCall;
  UpdateSite(argument: _wattpack_v1_UpdateSiteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_Site__Output>): grpc.ClientUnaryCall;
  UpdateSite(argument: _wattpack_v1_UpdateSiteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Site__Output>): grpc.ClientUnaryCall;
  UpdateSite(argument: _wattpack_v1_UpdateSiteRequest, callback: grpc.requestCallback<_wattpack_v1_Site__Output>): grpc.ClientUnaryCall;
  updateSite(argument: _wattpack_v1_UpdateSiteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Site__Output>): grpc.ClientUnaryCall;
  updateSite(argument: _wattpack_v1_UpdateSiteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wattpack_v1_Site__Output>): grpc.ClientUnaryCall;
  updateSite(argument: _wattpack_v1_UpdateSiteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wattpack_v1_Site__Output>): grpc.ClientUnaryCall;
  updateSite(argument: _wattpack_v1_UpdateSiteRequest, callback: grpc.requestCallback<_wattpack_v1_Site__Output>): grpc.ClientUnaryCall;
  
  WatchJob(argument: _wattpack_v1_WatchJobRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_wattpack_v1_Job__Output>;
  WatchJob(argument: _wattpack_v1_WatchJobRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_wattpack_v1_Job__Output>;
  watchJob(argument: _wattpack_v1_WatchJobRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_wattpack_v1_Job__Output>;
  watchJob(argument: _wattpack_v1_WatchJobRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_wattpack_v1_Job__Output>;
  
}

export interface SchedulerServiceHandlers extends grpc.UntypedServiceImplementation {
  CancelJob: grpc.handleUnaryCall<_wattpack_v1_CancelJobRequest__Output, _wattpack_v1_Job>;
  
  CordonNodes: grpc.handleUnaryCall<_wattpack_v1_CordonNodesRequest__Output, _wattpack_v1_ListNodesResponse>;
  
  DrainNodes: grpc.handleUnaryCall<_wattpack_v1_DrainNodesRequest__Output, _wattpack_v1_ListNodesResponse>;
  
  GetJob: grpc.handleUnaryCall<_wattpack_v1_GetJobRequest__Output, _wattpack_v1_Job>;
  
  GetJobUsage: grpc.handleUnaryCall<_wattpack_v1_GetJobUsageRequest__Output, _wattpack_v1_GetJobUsageResponse>;
  
  GetSite: grpc.handleUnaryCall<_wattpack_v1_GetSiteRequest__Output, _wattpack_v1_Site>;
  
  GetUsage: grpc.handleUnaryCall<_wattpack_v1_GetUsageRequest__Output, _wattpack_v1_GetUsageResponse>;
  
  JobLogs: grpc.handleServerStreamingCall<_wattpack_v1_JobLogsRequest__Output, _wattpack_v1_LogLine>;
  
  ListAudit: grpc.handleUnaryCall<_wattpack_v1_ListAuditRequest__Output, _wattpack_v1_ListAuditResponse>;
  
  ListHistory: grpc.handleUnaryCall<_wattpack_v1_ListHistoryRequest__Output, _wattpack_v1_ListHistoryResponse>;
  
  ListJobs: grpc.handleUnaryCall<_wattpack_v1_ListJobsRequest__Output, _wattpack_v1_ListJobsResponse>;
  
  ListNodes: grpc.handleUnaryCall<_wattpack_v1_ListNodesRequest__Output, _wattpack_v1_ListNodesResponse>;
  
  ListShares: grpc.handleUnaryCall<_wattpack_v1_ListSharesRequest__Output, _wattpack_v1_ListSharesResponse>;
  
  PlanNext: grpc.handleUnaryCall<_wattpack_v1_PlanNextRequest__Output, _wattpack_v1_PlanPreview>;
  
  RevokeCredential: grpc.handleUnaryCall<_wattpack_v1_RevokeCredentialRequest__Output, _wattpack_v1_RevokeCredentialResponse>;
  
  SetNodePower: grpc.handleUnaryCall<_wattpack_v1_SetNodePowerRequest__Output, _wattpack_v1_ListNodesResponse>;
  
  SubmitJob: grpc.handleUnaryCall<_wattpack_v1_SubmitJobRequest__Output, _wattpack_v1_Job>;
  
  SubmitJobs: grpc.handleUnaryCall<_wattpack_v1_SubmitJobsRequest__Output, _wattpack_v1_SubmitJobsResponse>;
  
  UncordonNodes: grpc.handleUnaryCall<_wattpack_v1_UncordonNodesRequest__Output, _wattpack_v1_ListNodesResponse>;
  
  UpdateSite: grpc.handleUnaryCall<_wattpack_v1_UpdateSiteRequest__Output, _wattpack_v1_Site>;
  
  WatchJob: grpc.handleServerStreamingCall<_wattpack_v1_WatchJobRequest__Output, _wattpack_v1_Job>;
  
}

export interface SchedulerServiceDefinition extends grpc.ServiceDefinition {
  CancelJob: MethodDefinition<_wattpack_v1_CancelJobRequest, _wattpack_v1_Job, _wattpack_v1_CancelJobRequest__Output, _wattpack_v1_Job__Output>
  CordonNodes: MethodDefinition<_wattpack_v1_CordonNodesRequest, _wattpack_v1_ListNodesResponse, _wattpack_v1_CordonNodesRequest__Output, _wattpack_v1_ListNodesResponse__Output>
  DrainNodes: MethodDefinition<_wattpack_v1_DrainNodesRequest, _wattpack_v1_ListNodesResponse, _wattpack_v1_DrainNodesRequest__Output, _wattpack_v1_ListNodesResponse__Output>
  GetJob: MethodDefinition<_wattpack_v1_GetJobRequest, _wattpack_v1_Job, _wattpack_v1_GetJobRequest__Output, _wattpack_v1_Job__Output>
  GetJobUsage: MethodDefinition<_wattpack_v1_GetJobUsageRequest, _wattpack_v1_GetJobUsageResponse, _wattpack_v1_GetJobUsageRequest__Output, _wattpack_v1_GetJobUsageResponse__Output>
  GetSite: MethodDefinition<_wattpack_v1_GetSiteRequest, _wattpack_v1_Site, _wattpack_v1_GetSiteRequest__Output, _wattpack_v1_Site__Output>
  GetUsage: MethodDefinition<_wattpack_v1_GetUsageRequest, _wattpack_v1_GetUsageResponse, _wattpack_v1_GetUsageRequest__Output, _wattpack_v1_GetUsageResponse__Output>
  JobLogs: MethodDefinition<_wattpack_v1_JobLogsRequest, _wattpack_v1_LogLine, _wattpack_v1_JobLogsRequest__Output, _wattpack_v1_LogLine__Output>
  ListAudit: MethodDefinition<_wattpack_v1_ListAuditRequest, _wattpack_v1_ListAuditResponse, _wattpack_v1_ListAuditRequest__Output, _wattpack_v1_ListAuditResponse__Output>
  ListHistory: MethodDefinition<_wattpack_v1_ListHistoryRequest, _wattpack_v1_ListHistoryResponse, _wattpack_v1_ListHistoryRequest__Output, _wattpack_v1_ListHistoryResponse__Output>
  ListJobs: MethodDefinition<_wattpack_v1_ListJobsRequest, _wattpack_v1_ListJobsResponse, _wattpack_v1_ListJobsRequest__Output, _wattpack_v1_ListJobsResponse__Output>
  ListNodes: MethodDefinition<_wattpack_v1_ListNodesRequest, _wattpack_v1_ListNodesResponse, _wattpack_v1_ListNodesRequest__Output, _wattpack_v1_ListNodesResponse__Output>
  ListShares: MethodDefinition<_wattpack_v1_ListSharesRequest, _wattpack_v1_ListSharesResponse, _wattpack_v1_ListSharesRequest__Output, _wattpack_v1_ListSharesResponse__Output>
  PlanNext: MethodDefinition<_wattpack_v1_PlanNextRequest, _wattpack_v1_PlanPreview, _wattpack_v1_PlanNextRequest__Output, _wattpack_v1_PlanPreview__Output>
  RevokeCredential: MethodDefinition<_wattpack_v1_RevokeCredentialRequest, _wattpack_v1_RevokeCredentialResponse, _wattpack_v1_RevokeCredentialRequest__Output, _wattpack_v1_RevokeCredentialResponse__Output>
  SetNodePower: MethodDefinition<_wattpack_v1_SetNodePowerRequest, _wattpack_v1_ListNodesResponse, _wattpack_v1_SetNodePowerRequest__Output, _wattpack_v1_ListNodesResponse__Output>
  SubmitJob: MethodDefinition<_wattpack_v1_SubmitJobRequest, _wattpack_v1_Job, _wattpack_v1_SubmitJobRequest__Output, _wattpack_v1_Job__Output>
  SubmitJobs: MethodDefinition<_wattpack_v1_SubmitJobsRequest, _wattpack_v1_SubmitJobsResponse, _wattpack_v1_SubmitJobsRequest__Output, _wattpack_v1_SubmitJobsResponse__Output>
  UncordonNodes: MethodDefinition<_wattpack_v1_UncordonNodesRequest, _wattpack_v1_ListNodesResponse, _wattpack_v1_UncordonNodesRequest__Output, _wattpack_v1_ListNodesResponse__Output>
  UpdateSite: MethodDefinition<_wattpack_v1_UpdateSiteRequest, _wattpack_v1_Site, _wattpack_v1_UpdateSiteRequest__Output, _wattpack_v1_Site__Output>
  WatchJob: MethodDefinition<_wattpack_v1_WatchJobRequest, _wattpack_v1_Job, _wattpack_v1_WatchJobRequest__Output, _wattpack_v1_Job__Output>
}
