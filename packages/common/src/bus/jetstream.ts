import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  ErrorCode,
  JSONCodec,
  NatsError,
  RetentionPolicy,
  StorageType,
  connect,
  type ConnectionOptions,
  type JetStreamManager,
  type NatsConnection,
  type StreamConfig,
} from 'nats';
import { CONSUMERS, LOG_LINES_PER_JOB, STREAMS, SUBJECTS } from './subjects.js';

export const json = JSONCodec();

const DAY_NS = 24 * 3600 * 1e9;

const streamConfigs: Partial<StreamConfig>[] = [
  {
    name: STREAMS.commands,
    subjects: [SUBJECTS.commandsAll],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    max_age: 7 * DAY_NS,
    duplicate_window: 10 * 60 * 1e9,
  },
  {
    name: STREAMS.events,
    subjects: [SUBJECTS.eventsAll],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    max_age: 7 * DAY_NS,
    duplicate_window: 10 * 60 * 1e9,
  },
  {
    name: STREAMS.logs,
    subjects: [SUBJECTS.logsAll],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_msgs_per_subject: LOG_LINES_PER_JOB,
    max_bytes: 1024 * 1024 * 1024,
    max_age: 7 * DAY_NS,
    discard: DiscardPolicy.Old,
  },
];

/** The audit log: a year of records by default, at most 1 GiB (the oldest go first). */
export const AUDIT_STREAM_DEFAULTS = { maxAgeDays: 365, maxBytes: 1024 * 1024 * 1024 };

const auditStreamConfig = (limits: { maxAgeDays: number; maxBytes: number }): Partial<StreamConfig> => ({
  name: STREAMS.audit,
  subjects: [SUBJECTS.audit],
  retention: RetentionPolicy.Limits,
  storage: StorageType.File,
  max_age: limits.maxAgeDays * DAY_NS,
  max_bytes: limits.maxBytes,
  discard: DiscardPolicy.Old,
});

/**
 * Usage records: kept for good (the SQL store rebuilds from them), deduplicated by
 * attempt id for a day, so a record sent again after a crash is stored once.
 */
const accountingStreamConfig: Partial<StreamConfig> = {
  name: STREAMS.accounting,
  subjects: [SUBJECTS.accounting],
  retention: RetentionPolicy.Limits,
  storage: StorageType.File,
  duplicate_window: DAY_NS,
};

/**
 * Creates missing streams; safe to call from every process at start. The scheduler
 * passes `replicas` (3 on a NATS cluster) and brings existing streams to it; agents pass
 * none and leave existing streams as they are.
 */
export async function ensureStreams(jsm: JetStreamManager, replicas?: number): Promise<void> {
  for (const base of streamConfigs) await ensureStream(jsm, base, replicas);
}

/** The audit stream: the scheduler's alone (agents neither create nor write it). */
export async function ensureAuditStream(jsm: JetStreamManager, replicas: number, limits = AUDIT_STREAM_DEFAULTS): Promise<void> {
  await ensureStream(jsm, auditStreamConfig(limits), replicas);
}

/** The accounting stream: the scheduler's alone, like the audit. */
export async function ensureAccountingStream(jsm: JetStreamManager, replicas: number): Promise<void> {
  await ensureStream(jsm, accountingStreamConfig, replicas);
}

async function ensureStream(jsm: JetStreamManager, base: Partial<StreamConfig>, replicas: number | undefined): Promise<void> {
  const cfg = { ...base, num_replicas: replicas ?? 1 };
  try {
    await jsm.streams.info(cfg.name!);
    if (replicas !== undefined) await jsm.streams.update(cfg.name!, cfg);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add(cfg);
  }
}

/** The durable consumer of a node's command subject. */
export async function ensureAgentConsumer(jsm: JetStreamManager, nodeId: string): Promise<string> {
  const name = CONSUMERS.agent(nodeId);
  await jsm.consumers.add(STREAMS.commands, { durable_name: name, ...agentConsumerConfig(nodeId) });
  return name;
}

const agentConsumerConfig = (nodeId: string) => ({
  filter_subject: SUBJECTS.command(nodeId),
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  ack_wait: 30 * 1e9,
});

/**
 * The agent consumers already in place as ensureAgentConsumer would make them, by name:
 * durable consumers outlive the scheduler, so a new term lists them once (a few requests of
 * 256 each) instead of adding one per registering node, a round trip and work in
 * nats-server per node while a whole fleet registers again.
 */
export async function agentConsumersInPlace(jsm: JetStreamManager): Promise<Set<string>> {
  const found = new Set<string>();
  const prefix = CONSUMERS.agent('');
  for await (const { config: cfg } of jsm.consumers.list(STREAMS.commands)) {
    const name = cfg.durable_name;
    if (!name?.startsWith(prefix)) continue;
    const want = agentConsumerConfig(name.slice(prefix.length));
    if (cfg.filter_subject === want.filter_subject && cfg.ack_policy === want.ack_policy && cfg.deliver_policy === want.deliver_policy && cfg.ack_wait === want.ack_wait) found.add(name);
  }
  return found;
}

export async function ensureSchedulerConsumer(jsm: JetStreamManager): Promise<string> {
  await jsm.consumers.add(STREAMS.events, {
    durable_name: CONSUMERS.scheduler,
    filter_subject: SUBJECTS.eventsAll,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: 30 * 1e9,
  });
  return CONSUMERS.scheduler;
}

/**
 * Errors that pass on their own: no responders (503) or a timeout while a stream or KV
 * bucket elects a new leader (a NATS server died), or a client that is reconnecting.
 */
export function isTransientNatsError(err: unknown): boolean {
  return err instanceof NatsError && [ErrorCode.NoResponders, ErrorCode.Timeout, ErrorCode.Disconnect].includes(err.code as ErrorCode);
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && /not found/i.test(err.message);
}

/**
 * Connects with endless reconnects: daemons ride out a nats-server restart.
 * `name` shows in the server's connection list. No async traces: nats.js otherwise
 * captures two stack traces per request (every KV put and JetStream publish), about 6 %
 * of the scheduler's CPU in pnpm bench:e2e; its errors still say what failed.
 */
export async function connectNats(servers: string, name: string, extra: Partial<ConnectionOptions> = {}): Promise<NatsConnection> {
  return connect({
    servers: servers.split(',').map((s) => s.trim()),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    noAsyncTraces: true,
    ...extra,
  });
}

/**
 * The JetStream manager, once JetStream answers: a clustered server accepts connections
 * before its cluster has a meta leader, and a restarting one before it has recovered.
 */
export async function jetStreamReady(nc: NatsConnection, timeoutMs = 60_000): Promise<JetStreamManager> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const jsm = await nc.jetstreamManager({ timeout: 1000 });
      await jsm.getAccountInfo();
      return jsm;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`JetStream is not available: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
