import * as grpc from '@grpc/grpc-js';
import type { NatsConnection } from 'nats';
import {
  BUCKETS,
  Backoff,
  REVOCATIONS_KEY,
  WattpackError,
  commandSigner,
  connectNats,
  describeIssues,
  createLogger,
  ensureAccountingStream,
  ensureAuditStream,
  ensureAgentConsumer,
  ensureStreams,
  isTransientNatsError,
  grpcServerCredentials,
  jetStreamReady,
  loadProto,
  natsConnectionOptions,
  siteConfigSchema,
  type Credentials,
  GRPC_LIMITS,
  type Logger,
  type LogRecord,
  type SiteConfig,
  type SiteConfigInput,
} from '@wattpack/common';
import type { EventEmitter } from 'node:events';
import { HealthImplementation } from 'grpc-health-check';
import type { TLSSocket } from 'node:tls';
import { JetStreamAudit, type AuditLog } from './api/audit.js';
import { schedulerService } from './api/scheduler-service.js';
import { nodeService } from './api/node-service.js';
import { Revocations, revocationsSchema } from './api/revocations.js';
import { CommandBus } from './bus/command-bus.js';
import { consumeJobEvents } from './bus/event-consumer.js';
import { readJobLogs } from './bus/log-reader.js';
import { Scheduler } from './loop/scheduler.js';
import { KvStore } from './state/kv-store.js';
import { becomeLeader } from './bus/leader-election.js';
import { ingestUsage, publishUsage } from './bus/usage-bus.js';
import type { UsageQueries } from './accounting/store-thread.js';
import type { History } from './dashboard/history.js';
import { startDashboard, type Dashboard } from './dashboard/server.js';
import { pollMeter } from './meter/poll.js';
import type { SchedulerHealth } from './observe/health.js';
import { JobWatch } from './observe/job-watch.js';
import { lifecycleLog } from './observe/lifecycle-log.js';
import type { SchedulerMetrics } from './observe/metrics.js';
import { Ven } from './openadr/ven.js';

/** How often fair share's decayed usage is read again from the accounting store. */
const HISTORY_REFRESH_S = 30;

/** A standby takes over within this long of the leader's death. */
const DEFAULT_LEASE_MS = 3000;

export interface SchedulerOptions {
  /** gRPC address, host:port; port 0 picks a free one. Bound only while this scheduler leads. */
  listen: string;
  nats: string;
  /** Identity in the leader election: unique per scheduler instance, stable across its restarts. */
  id: string;
  /** Leader lease: a standby takes over this long after the leader dies. */
  leaseMs?: number;
  /** Stream and KV replicas: 3 on a 3-node NATS cluster. */
  natsReplicas?: number;
  /** Site settings to store; fields left out keep the stored (or default) values. */
  site?: SiteConfigInput;
  /** TLS and identities (the site PKI's scheduler folder), or insecure for debugging. */
  credentials: Credentials;
  /** How long and how much the audit stream keeps (default a year, 1 GiB). */
  audit?: { maxAgeDays: number; maxBytes: number };
  /**
   * Where usage records are queried (history, usage, fair share's past usage), once it has
   * opened: scheduling does not wait for it (records wait on the stream). Absent: records
   * go to the stream only.
   */
  accounting?: Promise<UsageQueries>;
  log?: Logger;
  /** /readyz's view of this process (observe/health.ts), told of each connection and term. */
  health?: SchedulerHealth;
  /** Prometheus series (observe/metrics.ts): fed while this term leads. */
  metrics?: SchedulerMetrics;
  /** The web dashboard's HTTPS address (host:port), served while this term leads, and its history. */
  dashboard?: { addr: string; history: History };
}

export interface SchedulerHandle {
  /** host:port actually bound. */
  address: string;
  scheduler: Scheduler;
  term: number;
  /** Resolves with the reason when this scheduler stops leading; then stop() it and campaign again. */
  lost: Promise<string>;
  stop(): Promise<void>;
}

/**
 * One term of leadership: waits to be elected, loads the state, then wires the adapters
 * (NATS, KV, gRPC) around the scheduler. Every write and command is fenced by the lease.
 */
export async function startScheduler(opts: SchedulerOptions): Promise<SchedulerHandle> {
  const log = opts.log ?? createLogger('scheduler');
  const nc = await connectNats(opts.nats, `wattpack-scheduler-${opts.id}`, natsConnectionOptions(opts.credentials));
  opts.health?.connection(nc);
  // The lease on a connection of its own: on the shared one its refresh queued behind a
  // 2,000-task array's writes and lapsed on a loaded machine (pnpm bench:e2e).
  const leaseNc = await connectNats(opts.nats, `wattpack-scheduler-${opts.id}-lease`, natsConnectionOptions(opts.credentials)).catch(async (err: unknown) => {
    await nc.close().catch(() => undefined);
    throw err;
  });
  try {
    return await lead(nc, leaseNc, opts, log);
  } catch (err) {
    // Not elected, or NATS failed on the way: leave nothing open behind.
    await Promise.all([nc.close().catch(() => undefined), leaseNc.close().catch(() => undefined)]);
    throw err;
  }
}

async function lead(nc: NatsConnection, leaseNc: NatsConnection, opts: SchedulerOptions, log: Logger): Promise<SchedulerHandle> {
  const js = nc.jetstream();
  const jsm = await jetStreamReady(nc);
  const replicas = opts.natsReplicas ?? 1;
  await ensureStreams(jsm, replicas);
  await ensureAuditStream(jsm, replicas, opts.audit);
  await ensureAccountingStream(jsm, replicas);
  const leadership = await becomeLeader(leaseNc, opts.id, { ttlMs: opts.leaseMs ?? DEFAULT_LEASE_MS, replicas, log, onStandby: (leader) => opts.health?.standby(leader) });
  // Transient NATS errors are retried while the lease holds: a cycle that gave up between
  // storing a job as STARTING and publishing its start command would strand the job. Once
  // the lease lapses, the next term's recover() sends the commands again.
  const fenced = async <T>(write: () => Promise<T>): Promise<T> => {
    const backoff = new Backoff(100, 1000);
    for (;;) {
      if (!leadership.valid()) throw new WattpackError('UNAVAILABLE', 'this scheduler is no longer the leader');
      try {
        return await write();
      } catch (err) {
        if (!isTransientNatsError(err)) throw err;
        log.debug({ err: String(err) }, 'NATS write failed: retrying while the lease holds');
      }
      await backoff.wait();
    }
  };
  const store = await KvStore.open(nc, replicas);

  const stored = await store.loadSite();
  const parsed = siteConfigSchema.safeParse({ ...(stored ?? {}), ...(opts.site ?? {}) });
  if (!parsed.success) {
    await nc.close();
    throw new WattpackError('INVALID_ARGUMENT', `invalid site settings: ${describeIssues(parsed.error)}`);
  }
  const site: SiteConfig = parsed.data;
  if (site.powerSaving.enabled) {
    // The planner and the BMC port exist; the live loop does not drive them yet: refused rather than silently ignored.
    await nc.close();
    throw new WattpackError('INVALID_ARGUMENT', 'invalid site settings: powerSaving.enabled: the live scheduler does not power servers off and on yet; power saving runs in the simulator (docs/scheduling.md, "Power saving")');
  }
  await store.putSite(site);
  const [jobs, nodes, revoked] = await Promise.all([store.loadJobs(), store.loadNodes(), store.loadRevocations()]);
  const parsedRevocations = revocationsSchema.safeParse(revoked);
  if (!parsedRevocations.success) {
    // Serving without them would let revoked credentials back in.
    await nc.close();
    throw new WattpackError('INVALID_ARGUMENT', `the stored revocations (${BUCKETS.site} ${REVOCATIONS_KEY}) are unreadable: ${describeIssues(parsedRevocations.error)}`);
  }
  const revocations = new Revocations(parsedRevocations.data, (list) => fenced(() => store.putRevocations(list)));
  const audit = new JetStreamAudit(js, jsm, log);
  log.info({ jobs: jobs.size, nodes: nodes.size, capMw: site.capMw, revocations: parsedRevocations.data.length }, 'state loaded');
  // Each node's command consumer: agents may not create it (see trust/nats-auth.ts). Made
  // as a node registers, which every agent does again with a new leader; not here for every
  // known node, one round trip each before serving: 3,200 of them held a restarted
  // scheduler back for seconds. Commands sent before then wait in the stream.
  const openNode = (nodeId: string) => fenced(() => ensureAgentConsumer(jsm, nodeId)).then(() => undefined);

  const bus = new CommandBus(js, commandSigner(opts.credentials));
  const scheduler = new Scheduler({
    site,
    jobs,
    nodes,
    log,
    ports: {
      putJob: (j) => fenced(() => store.putJob(j)),
      deleteJob: (id) => fenced(() => store.deleteJob(id)),
      putNode: (n) => fenced(() => store.putNode(n)),
      putSite: (s) => fenced(() => store.putSite(s)),
      openNode,
      sendCommand: (nodeId, cmd) => fenced(() => bus.send(nodeId, cmd, leadership.term)),
      publishUsage: (record) => fenced(() => publishUsage(js, record)),
    },
  });
  const watch = new JobWatch(scheduler);
  watch.listen(lifecycleLog(log));
  opts.metrics?.attach({ scheduler, watch });
  await scheduler.recover();
  let usage: UsageQueries | undefined;
  let ingest: { stop(): Promise<void> } | undefined;
  let stopped = false;
  const refreshHistory = () =>
    usage
      ?.decayedUsage(Date.now(), scheduler.siteConfig().fairShare.decayHalfLife)
      .then((h) => scheduler.setHistory(h))
      .catch((err: unknown) => log.error({ err: String(err) }, 'reading past usage for fair share failed'));
  const accountingOpened = opts.accounting
    ?.then(async (store) => {
      if (stopped) return;
      ingest = await ingestUsage(js, store, log);
      usage = store;
      await refreshHistory();
    })
    .catch((err: unknown) => log.error({ err: String(err) }, 'accounting is not available'));
  const events = await consumeJobEvents(js, jsm, (e) => scheduler.handleEvent(e), log);

  // The utility's events, polled from its VTN (docs/grid.md); started with the meter below.
  const ven = site.openadr ? new Ven(site.openadr, scheduler, log) : undefined;
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
  const trust = { revocations, audit };
  server.addService(proto.SchedulerService.service, schedulerService(scheduler, logs, log, trust, () => usage, () => ven?.status()));
  server.addService(proto.NodeService.service, nodeService(scheduler, log, trust));
  // grpc.health.v1 for load balancers and probes: only the leader listens, so SERVING while it leads.
  const health = new HealthImplementation({ '': 'SERVING', 'wattpack.v1.SchedulerService': 'SERVING', 'wattpack.v1.NodeService': 'SERVING' });
  health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(opts.listen, grpcServerCredentials(opts.credentials), (err, p) => (err ? reject(err) : resolve(p))),
  );
  if (!opts.credentials.insecure) auditHandshakes(server, audit);
  let dashboard: Dashboard | undefined;
  if (opts.dashboard) {
    const { history } = opts.dashboard;
    watch.listen(history.listener);
    history.start(scheduler);
    try {
      dashboard = await startDashboard(scheduler, { addr: opts.dashboard.addr, credentials: opts.credentials, revocations, audit, history, watch, log });
    } catch (err) {
      history.stop();
      server.forceShutdown();
      throw err;
    }
  }
  const host = opts.listen.slice(0, opts.listen.lastIndexOf(':'));
  const address = `${host}:${port}`;
  // Leases, and a periodic pass: grid events and reservations move with the clock, not only with events.
  let tick = 0;
  const leases = setInterval(() => {
    scheduler.checkLeases().catch((err) => log.error({ err }, 'lease check failed'));
    scheduler.checkDrains().catch((err) => log.error({ err }, 'drain check failed'));
    if (++tick % 5 === 0) scheduler.requestCycle();
    if (tick % 10 === 0) scheduler.forgetFinished().catch((err) => log.error({ err }, 'retention sweep failed'));
    if (tick % HISTORY_REFRESH_S === 0) void refreshHistory();
  }, 1000);
  opts.health?.leading();
  const meter = site.meter ? pollMeter(site.meter, (s) => scheduler.meterSample(s), log) : undefined;
  ven?.start();
  log.info({ address, nats: opts.nats, term: leadership.term, meter: site.meter ? `${site.meter.host}:${site.meter.port}` : 'none' }, 'scheduler listening');

  return {
    address,
    scheduler,
    term: leadership.term,
    lost: leadership.lost,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(leases);
      for (const service of ['', 'wattpack.v1.SchedulerService', 'wattpack.v1.NodeService']) health.setStatus(service, 'NOT_SERVING');
      opts.health?.stepDown();
      watch.close();
      meter?.stop();
      ven?.stop();
      opts.dashboard?.history.stop();
      await dashboard?.close();
      opts.metrics?.attach(undefined);
      scheduler.stop();
      server.forceShutdown();
      await events.stop();
      await accountingOpened;
      await ingest?.stop();
      await leadership.resign();
      await Promise.all([nc.drain(), leaseNc.drain()]);
    },
  };
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
