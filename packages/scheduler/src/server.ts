import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
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
  ensureStreams,
  isTransientNatsError,
  jetStreamReady,
  natsConnectionOptions,
  siteConfigSchema,
  type Credentials,
  type Logger,
  type SiteConfig,
  type SiteConfigInput,
} from '@wattpack/common/daemon';
import { JetStreamAudit } from './api/audit.js';
import { Revocations, revocationsSchema } from './api/revocations.js';
import { agentConsumers } from './bus/agent-consumers.js';
import { CommandBus } from './bus/command-bus.js';
import { consumeJobEvents } from './bus/event-consumer.js';
import { Scheduler, type SchedulerInit } from './loop/scheduler.js';
import { KvStore } from './state/kv-store.js';
import { becomeLeader, type Leadership } from './bus/leader-election.js';
import { ingestUsage, publishUsage } from './bus/usage-bus.js';
import type { UsageQueries } from './accounting/store-thread.js';
import type { History } from './dashboard/history.js';
import { pollMeter } from './meter/poll.js';
import { bmcsFromSettings, RedfishNodePower } from './power/bmc-power.js';
import type { SchedulerHealth } from './observe/health.js';
import { JobWatch } from './observe/job-watch.js';
import { lifecycleLog } from './observe/lifecycle-log.js';
import type { SchedulerMetrics } from './observe/metrics.js';
import { Ven } from './openadr/ven.js';
import { SERVICES, serveDashboard, serveGrpc } from './server-serve.js';

/** How often fair share's decayed usage is read again from the accounting store. */
const HISTORY_REFRESH_S = 30;

/** A standby takes over within this long of the leader's death. */
const DEFAULT_LEASE_MS = 3000;

/** A page of the agents' consumers (256, ~1 KB each) within this long, however loaded the machine. */
const CONSUMER_LIST_TIMEOUT_MS = 30_000;

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

/** A write that is refused once the lease may have lapsed. */
type Fenced = <T>(write: () => Promise<T>) => Promise<T>;

/**
 * One term, step by step: the streams, the election, the stored state, the scheduler and its
 * fenced ports, accounting, the gRPC services, the dashboard, the periodic work. stop() undoes
 * them in its own order; a failing step leaves the connections to startScheduler to close.
 */
async function lead(nc: NatsConnection, leaseNc: NatsConnection, opts: SchedulerOptions, log: Logger): Promise<SchedulerHandle> {
  const { js, jsm, replicas } = await openStreams(nc, opts);
  const leadership = await becomeLeader(leaseNc, opts.id, { ttlMs: opts.leaseMs ?? DEFAULT_LEASE_MS, replicas, log, onStandby: (leader) => opts.health?.standby(leader) });
  const fenced = fencedBy(leadership, log);
  const store = await KvStore.open(nc, replicas);
  const { site, jobs, nodes, revocations, nodePower } = await loadState(nc, store, opts.site, fenced, log);
  const trust = { revocations, audit: new JetStreamAudit(js, jsm, log) };

  const openNode = await nodeConsumers(nc, fenced, log);
  const scheduler = buildScheduler({ site, jobs, nodes, log, ...(nodePower ? { nodePower } : {}) }, js, store, { fenced, openNode }, leadership.term, opts.credentials);
  const watch = new JobWatch(scheduler);
  watch.listen(lifecycleLog(log));
  opts.metrics?.attach({ scheduler, watch });
  await scheduler.recover();
  let stopped = false;
  const accounting = openAccounting(js, opts.accounting, scheduler, () => stopped, log);
  const events = await consumeJobEvents(js, jsm, (e) => scheduler.handleEvent(e), log);

  // The utility's events, polled from its VTN (docs/grid.md); started with the meter below.
  const ven = site.openadr ? new Ven(site.openadr, scheduler, log) : undefined;
  const { server, health, port } = await serveGrpc(opts, scheduler, js, jsm, trust, accounting.usage, ven, log);
  const dashboard = await serveDashboard(opts, scheduler, watch, trust, server, log);
  const address = `${opts.listen.slice(0, opts.listen.lastIndexOf(':'))}:${port}`;
  const leases = startPeriodicWork(scheduler, accounting.refreshHistory, log);
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
      for (const service of SERVICES) health.setStatus(service, 'NOT_SERVING');
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
      await accounting.stop();
      await leadership.resign();
      await Promise.all([nc.drain(), leaseNc.drain()]);
    },
  };
}

/**
 * Each registering node's command consumer (bus/agent-consumers.ts). Listed with a patient
 * manager: pages of 256 consumers took over the usual 1 s on a loaded machine (800 nodes,
 * load 21), the listing failed and every registration made its consumer again, a JetStream
 * request each. Fenced even when the consumer is in place: a registration whose node record
 * is unchanged writes nothing, and a scheduler that lost its lease must not answer it.
 */
async function nodeConsumers(nc: NatsConnection, fenced: Fenced, log: Logger): Promise<(nodeId: string) => Promise<void>> {
  const consumers = agentConsumers(await nc.jetstreamManager({ timeout: CONSUMER_LIST_TIMEOUT_MS, checkAPI: false }), fenced, log);
  return (nodeId) => fenced(() => consumers(nodeId));
}

/**
 * Transient NATS errors are retried while the lease holds: a cycle that gave up between
 * storing a job as STARTING and publishing its start command would strand the job. Once
 * the lease lapses, the next term's recover() sends the commands again.
 */
function fencedBy(leadership: Leadership, log: Logger): Fenced {
  return async <T>(write: () => Promise<T>): Promise<T> => {
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
}

/** The site's JetStream streams (audit and accounting included), in place with its replicas. */
async function openStreams(nc: NatsConnection, opts: SchedulerOptions) {
  const js = nc.jetstream();
  const jsm = await jetStreamReady(nc);
  const replicas = opts.natsReplicas ?? 1;
  await ensureStreams(jsm, replicas);
  await ensureAuditStream(jsm, replicas, opts.audit);
  await ensureAccountingStream(jsm, replicas);
  return { js, jsm, replicas };
}

/** The stored state, checked: the site settings (with the given ones stored over them), jobs, nodes and revocations. */
async function loadState(nc: NatsConnection, store: KvStore, given: SiteConfigInput | undefined, fenced: Fenced, log: Logger) {
  const stored = await store.loadSite();
  const parsed = siteConfigSchema.safeParse({ ...(stored ?? {}), ...(given ?? {}) });
  if (!parsed.success) {
    await nc.close();
    throw new WattpackError('INVALID_ARGUMENT', `invalid site settings: ${describeIssues(parsed.error)}`);
  }
  const site: SiteConfig = parsed.data;
  let nodePower: RedfishNodePower | undefined;
  try {
    // Power saving that cannot work is refused at start-up, not found out at the first power-off.
    if (site.powerSaving.enabled) nodePower = new RedfishNodePower(bmcsFromSettings(site.powerSaving.bmcs));
  } catch (err) {
    await nc.close();
    throw new WattpackError('INVALID_ARGUMENT', `invalid site settings: ${(err as Error).message}`);
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
  log.info({ jobs: jobs.size, nodes: nodes.size, capMw: site.capMw, revocations: parsedRevocations.data.length }, 'state loaded');
  return { site, jobs, nodes, revocations, ...(nodePower ? { nodePower } : {}) };
}

/** The scheduler with its ports: every store write and command fenced by the lease. */
function buildScheduler(
  state: Omit<SchedulerInit, 'ports'>,
  js: JetStreamClient,
  store: KvStore,
  { fenced, openNode }: { fenced: Fenced; openNode: (nodeId: string) => Promise<void> },
  term: number,
  credentials: Credentials,
): Scheduler {
  const bus = new CommandBus(js, commandSigner(credentials));
  return new Scheduler({
    ...state,
    ports: {
      putJob: (j) => fenced(() => store.putJob(j)),
      deleteJob: (id) => fenced(() => store.deleteJob(id)),
      putNode: (n) => fenced(() => store.putNode(n)),
      putSite: (s) => fenced(() => store.putSite(s)),
      openNode,
      sendCommand: (nodeId, cmd) => fenced(() => bus.send(nodeId, cmd, term)),
      publishUsage: (record) => fenced(() => publishUsage(js, record)),
    },
  });
}

/**
 * The accounting store, once it opens (scheduling does not wait for it): usage records
 * ingested into it, fair share's past usage read from it. Opened after stop(): left alone.
 */
function openAccounting(js: JetStreamClient, opening: Promise<UsageQueries> | undefined, scheduler: Scheduler, stopped: () => boolean, log: Logger) {
  let usage: UsageQueries | undefined;
  let ingest: { stop(): Promise<void> } | undefined;
  const refreshHistory = () =>
    usage
      ?.decayedUsage(Date.now(), scheduler.siteConfig().fairShare.decayHalfLife)
      .then((h) => scheduler.setHistory(h))
      .catch((err: unknown) => log.error({ err: String(err) }, 'reading past usage for fair share failed'));
  const opened = opening
    ?.then(async (store) => {
      if (stopped()) return;
      ingest = await ingestUsage(js, store, log);
      usage = store;
      await refreshHistory();
    })
    .catch((err: unknown) => log.error({ err: String(err) }, 'accounting is not available'));
  return {
    usage: () => usage,
    refreshHistory,
    async stop() {
      await opened;
      await ingest?.stop();
    },
  };
}

/** Leases, and a periodic pass: grid events and reservations move with the clock, not only with events. */
function startPeriodicWork(scheduler: Scheduler, refreshHistory: () => unknown, log: Logger): NodeJS.Timeout {
  let tick = 0;
  return setInterval(() => {
    scheduler.checkLeases().catch((err) => log.error({ err }, 'lease check failed'));
    scheduler.checkDrains().catch((err) => log.error({ err }, 'drain check failed'));
    if (++tick % 5 === 0) scheduler.requestCycle();
    if (tick % 10 === 0) scheduler.forgetFinished().catch((err) => log.error({ err }, 'retention sweep failed'));
    if (tick % HISTORY_REFRESH_S === 0) void refreshHistory();
  }, 1000);
}
