import type { CallOptions, ClientReadableStream, requestCallback } from '@grpc/grpc-js';
import { GRPC_LIMITS, schedulerTarget, WattpackError, type Credentials } from '@wattpack/common/core';
import { grpcChannelCredentials, loadProto } from '@wattpack/common/grpc';
import type { Job__Output } from '@wattpack/common/proto/Job';
import type { ListJobsRequest } from '@wattpack/common/proto/ListJobsRequest';
import type { SubmitJobRequest } from '@wattpack/common/proto/SubmitJobRequest';
import type { ListJobsResponse__Output } from '@wattpack/common/proto/ListJobsResponse';
import type { ListNodesResponse__Output } from '@wattpack/common/proto/ListNodesResponse';
import type { LogLine__Output } from '@wattpack/common/proto/LogLine';
import type { Node__Output } from '@wattpack/common/proto/Node';
import type { Site__Output } from '@wattpack/common/proto/Site';
import type { UpdateSiteRequest } from '@wattpack/common/proto/UpdateSiteRequest';
import type { DrainNodesRequest } from '@wattpack/common/proto/DrainNodesRequest';
import type { CordonNodesRequest } from '@wattpack/common/proto/CordonNodesRequest';
import type { UncordonNodesRequest } from '@wattpack/common/proto/UncordonNodesRequest';
import type { RevokeCredentialRequest } from '@wattpack/common/proto/RevokeCredentialRequest';
import type { RevokeCredentialResponse__Output } from '@wattpack/common/proto/RevokeCredentialResponse';
import type { ListAuditRequest } from '@wattpack/common/proto/ListAuditRequest';
import type { ListAuditResponse__Output } from '@wattpack/common/proto/ListAuditResponse';
import type { PlanPreview__Output } from '@wattpack/common/proto/PlanPreview';
import type { ListHistoryRequest } from '@wattpack/common/proto/ListHistoryRequest';
import type { ListHistoryResponse__Output } from '@wattpack/common/proto/ListHistoryResponse';
import type { GetUsageRequest } from '@wattpack/common/proto/GetUsageRequest';
import type { GetUsageResponse__Output } from '@wattpack/common/proto/GetUsageResponse';
import type { ListSharesResponse__Output } from '@wattpack/common/proto/ListSharesResponse';
import type { GetJobUsageResponse__Output } from '@wattpack/common/proto/GetJobUsageResponse';

/** A blackholed address must not hang a command forever. */
const UNARY_DEADLINE_MS = 15_000;

/** SchedulerService with promises, async iterables and errors a person can act on. */
export interface SchedulerClient {
  readonly address: string;
  /** The same `requestId` on a retry returns the first submission's job; `array`: Slurm's --array syntax. */
  submitJob(request: SubmitJobRequest): Promise<Job__Output>;
  getJob(id: string): Promise<Job__Output>;
  /** One page; follow nextPageToken for the rest. */
  listJobs(request: ListJobsRequest): Promise<ListJobsResponse__Output>;
  cancelJob(id: string, reason: string): Promise<Job__Output>;
  watchJob(id: string): AsyncIterable<Job__Output>;
  jobLogs(id: string, follow: boolean): AsyncIterable<LogLine__Output>;
  listNodes(): Promise<Node__Output[]>;
  getSite(): Promise<Site__Output>;
  updateSite(change: UpdateSiteRequest): Promise<Site__Output>;
  drainNodes(request: DrainNodesRequest): Promise<Node__Output[]>;
  cordonNodes(request: CordonNodesRequest): Promise<Node__Output[]>;
  uncordonNodes(request: UncordonNodesRequest): Promise<Node__Output[]>;
  setNodePower(nodeId: string, action: 'suspend' | 'resume'): Promise<Node__Output[]>;
  revokeCredential(request: RevokeCredentialRequest): Promise<RevokeCredentialResponse__Output>;
  listAudit(request: ListAuditRequest): Promise<ListAuditResponse__Output>;
  /** The next pass's plan, as its commit would take it: a dry run. */
  planNext(): Promise<PlanPreview__Output>;
  /** One page of ended attempts; follow nextPageToken for the rest. */
  listHistory(request: ListHistoryRequest): Promise<ListHistoryResponse__Output>;
  getUsage(request: GetUsageRequest): Promise<GetUsageResponse__Output>;
  listShares(): Promise<ListSharesResponse__Output>;
  getJobUsage(id: string): Promise<GetJobUsageResponse__Output>;
  close(): void;
}

/** `credentials`: the context's certificate; the scheduler knows the caller by it, and by nothing else. */
export function connectScheduler(address: string, credentials: Credentials): SchedulerClient {
  const { SchedulerService } = loadProto().wattpack.v1;
  // Several schedulers (comma-separated): only the leader listens, gRPC finds it.
  const raw = new SchedulerService(schedulerTarget(address), grpcChannelCredentials(credentials), {
    // Responses up to what the scheduler may send (an unpaged ListNodes of a large site; a
    // ListJobs page is at most 8 MiB); requests no larger than the scheduler accepts.
    'grpc.max_receive_message_length': GRPC_LIMITS.responseBytes,
    'grpc.max_send_message_length': GRPC_LIMITS.requestBytes,
  });

  const fail = (err: unknown) => clientError(address, err);

  const unary = <T>(call: (opts: CallOptions, cb: requestCallback<T>) => unknown): Promise<T> =>
    new Promise((resolve, reject) => {
      call({ deadline: Date.now() + UNARY_DEADLINE_MS }, (err, res) => (err || !res ? reject(fail(err)) : resolve(res)));
    });

  async function* stream<T>(call: ClientReadableStream<T>): AsyncGenerator<T> {
    try {
      for await (const msg of call) yield msg as T;
    } catch (err) {
      throw fail(err);
    } finally {
      // The caller may stop early (a watch that saw the end); let the server know.
      call.cancel();
    }
  }

  return {
    address,
    submitJob: (request) => unary<Job__Output>((o, cb) => raw.submitJob(request, o, cb)),
    getJob: (id) => unary<Job__Output>((o, cb) => raw.getJob({ id }, o, cb)),
    listJobs: (request) => unary<ListJobsResponse__Output>((o, cb) => raw.listJobs(request, o, cb)),
    cancelJob: (id, reason) => unary<Job__Output>((o, cb) => raw.cancelJob({ id, reason }, o, cb)),
    watchJob: (id) => stream(raw.watchJob({ id })),
    jobLogs: (id, follow) => stream(raw.jobLogs({ id, follow })),
    listNodes: async () => (await unary<ListNodesResponse__Output>((o, cb) => raw.listNodes({}, o, cb))).nodes,
    getSite: () => unary<Site__Output>((o, cb) => raw.getSite({}, o, cb)),
    updateSite: (change) => unary<Site__Output>((o, cb) => raw.updateSite(change, o, cb)),
    drainNodes: async (req) => (await unary<ListNodesResponse__Output>((o, cb) => raw.drainNodes(req, o, cb))).nodes,
    cordonNodes: async (req) => (await unary<ListNodesResponse__Output>((o, cb) => raw.cordonNodes(req, o, cb))).nodes,
    uncordonNodes: async (req) => (await unary<ListNodesResponse__Output>((o, cb) => raw.uncordonNodes(req, o, cb))).nodes,
    setNodePower: async (nodeId, action) => (await unary<ListNodesResponse__Output>((o, cb) => raw.setNodePower({ nodeId, action }, o, cb))).nodes,
    revokeCredential: (req) => unary<RevokeCredentialResponse__Output>((o, cb) => raw.revokeCredential(req, o, cb)),
    listAudit: (req) => unary<ListAuditResponse__Output>((o, cb) => raw.listAudit(req, o, cb)),
    planNext: () => unary<PlanPreview__Output>((o, cb) => raw.planNext({}, o, cb)),
    listHistory: (req) => unary<ListHistoryResponse__Output>((o, cb) => raw.listHistory(req, o, cb)),
    getUsage: (req) => unary<GetUsageResponse__Output>((o, cb) => raw.getUsage(req, o, cb)),
    listShares: () => unary<ListSharesResponse__Output>((o, cb) => raw.listShares({}, o, cb)),
    getJobUsage: (id) => unary<GetJobUsageResponse__Output>((o, cb) => raw.getJobUsage({ id }, o, cb)),
    close: () => raw.close(),
  };
}

/** A failed call's error as the user can act on it: certificates not trusted (exit 5), or the scheduler unreachable (exit 4). */
function clientError(address: string, err: unknown): WattpackError {
  const e = WattpackError.from(err);
  if (e.code !== 'UNAVAILABLE') return e;
  // grpc-js wraps the socket error: "No connection established. Last error: Error: connect ECONNREFUSED ... Resolution note: ".
  const cause = /Last error: (?:Error: )?(.*?)\.? Resolution note/.exec(e.message)?.[1] ?? e.message;
  // The TLS handshake failed on the certificates: reachable, but not this site, or not you.
  if (/certificate|self.signed|CERT_|handshake|alert/i.test(cause)) {
    return new WattpackError(
      'UNAUTHENTICATED',
      `the scheduler at ${address} and your context do not trust each other (${cause}): ` +
        'the context holds another site\'s CA, or a credential the site does not accept; check "wattpack whoami" and "wattpack config get-contexts"',
      { cause: err },
    );
  }
  return new WattpackError(
    'UNAVAILABLE',
    `cannot reach the scheduler at ${address} (${cause}): start a local site with "wattpack dev", ` +
      'or point --scheduler or WATTPACK_SCHEDULER at a running scheduler',
    { cause: err },
  );
}
