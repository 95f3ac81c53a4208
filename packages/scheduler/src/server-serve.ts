import * as grpc from '@grpc/grpc-js';
import type { JetStreamClient, JetStreamManager } from 'nats';
import { GRPC_LIMITS, grpcServerCredentials, loadProto, type Logger, type LogRecord } from '@wattpack/common/daemon';
import type { EventEmitter } from 'node:events';
import { HealthImplementation } from 'grpc-health-check';
import type { TLSSocket } from 'node:tls';
import type { AuditLog } from './api/audit.js';
import type { Revocations } from './api/revocations.js';
import { schedulerService } from './api/scheduler-service.js';
import { nodeService } from './api/node-service.js';
import { readJobLogs } from './bus/log-reader.js';
import type { UsageQueries } from './accounting/store-thread.js';
import { startDashboard, type Dashboard } from './dashboard/server.js';
import type { Scheduler } from './loop/scheduler.js';
import type { JobWatch } from './observe/job-watch.js';
import type { Ven } from './openadr/ven.js';
import type { SchedulerOptions } from './server.js';

/** What a leading scheduler serves to callers, its gRPC services and dashboard: the steps of server.ts's lead(). */

export type Trust = { revocations: Revocations; audit: AuditLog };

/** Served by the leader: SERVING while it leads, NOT_SERVING from its stop(). */
export const SERVICES = ['', 'wattpack.v1.SchedulerService', 'wattpack.v1.NodeService'];

/** The gRPC services, bound to opts.listen, with grpc.health.v1 and (with TLS) the handshake audit. */
export async function serveGrpc(
  opts: SchedulerOptions,
  scheduler: Scheduler,
  js: JetStreamClient,
  jsm: JetStreamManager,
  trust: Trust,
  usage: () => UsageQueries | undefined,
  ven: Ven | undefined,
  log: Logger,
) {
  const proto = loadProto().wattpack.v1;
  const server = new grpc.Server({
    // Set, not left to grpc-js defaults: a caller cannot make the scheduler buffer and parse
    // more than the largest request it has a use for (GRPC_LIMITS, docs/limits.md).
    'grpc.max_receive_message_length': GRPC_LIMITS.requestBytes,
    'grpc.max_send_message_length': GRPC_LIMITS.responseBytes,
  });
  // A job's lines count only from nodes it was placed on.
  const placedOn = (jobId: string, nodeId: string) => {
    const job = scheduler.getJob(jobId);
    return (job.placedOn ?? []).includes(nodeId) || job.assignments.some((a) => a.nodeId === nodeId);
  };
  const logs = { read: (id: string, o: { follow: boolean; jobEnded: () => boolean; cancelled: () => boolean }, w: (r: LogRecord) => void) => readJobLogs(js, jsm, id, { ...o, fromNode: (n) => placedOn(id, n) }, w) };
  server.addService(proto.SchedulerService.service, schedulerService(scheduler, logs, log, trust, usage, () => ven?.status()));
  server.addService(proto.NodeService.service, nodeService(scheduler, log, trust));
  // grpc.health.v1 for load balancers and probes: only the leader listens, so SERVING while it leads.
  const health = new HealthImplementation(Object.fromEntries(SERVICES.map((s) => [s, 'SERVING' as const])));
  health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(opts.listen, grpcServerCredentials(opts.credentials), (err, p) => (err ? reject(err) : resolve(p))),
  );
  if (!opts.credentials.insecure) auditHandshakes(server, trust.audit);
  return { server, health, port };
}

/** The web dashboard and its history, when asked for; a dashboard that fails to start takes the gRPC server down with it. */
export async function serveDashboard(
  opts: SchedulerOptions,
  scheduler: Scheduler,
  watch: JobWatch,
  trust: Trust,
  server: grpc.Server,
  log: Logger,
): Promise<Dashboard | undefined> {
  if (!opts.dashboard) return undefined;
  const { history } = opts.dashboard;
  watch.listen(history.listener);
  history.start(scheduler);
  try {
    return await startDashboard(scheduler, { addr: opts.dashboard.addr, credentials: opts.credentials, ...trust, history, watch, log });
  } catch (err) {
    history.stop();
    server.forceShutdown();
    throw err;
  }
}

/**
 * Connections refused in the TLS handshake (no client certificate, one from another CA,
 * plaintext) never reach a handler: they are audited from the HTTP/2 servers grpc-js
 * keeps, once a minute per address at most. grpc-js does not expose those servers; if a
 * release hides them, handshakes go unaudited, and are refused all the same.
 */
function auditHandshakes(server: grpc.Server, audit: AuditLog): void {
  const servers = (server as unknown as { http2Servers?: Map<EventEmitter, unknown> }).http2Servers;
  for (const http2 of servers?.keys() ?? []) {
    http2.on('tlsClientError', (err: Error, socket?: TLSSocket) => {
      const from = socket?.remoteAddress ?? 'an unknown address';
      void audit.record(
        { name: '-', role: '', serial: '', action: 'TLS', target: `connection from ${from}`, result: 'UNAUTHENTICATED', message: err.message, before: {}, after: {} },
        { throttle: `tls:${from}` },
      );
    });
  }
}
