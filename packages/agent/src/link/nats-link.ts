import { createHash, randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg, NatsConnection } from 'nats';
import {
  BUCKETS,
  Backoff,
  GroupCommit,
  MAX_EVENTS_PER_MESSAGE,
  STREAMS,
  SUBJECTS,
  CONSUMERS,
  connectNats,
  json,
  natsConnected,
  natsConnectionOptions,
  WattpackError,
  type Credentials,
  type AgentCommand,
  type JobEvent,
  type LogRecord,
  type Logger,
} from '@wattpack/common/daemon';
import { CommandGuard } from './command-guard.js';

/**
 * A pull lives 30 s (nats.js's default) with a heartbeat every 5 s: after a reconnect
 * (a NATS server restarted, or another of the cluster) nats.js pulls again at once, and a
 * pull lost without a disconnect is noticed after two missed heartbeats. Pulls of 5 s
 * (heartbeats every 2.5 s, a timeout and a new pull every 5 s) cost an idle node 0.8
 * messages a second; these 0.27: 1,700 a second fewer for a 3,200-node site's nats-server.
 */
const PULL = { expires: 30_000, idle_heartbeat: 5000 };

/** How long close() waits for events still being published before giving up on them. */
const FLUSH_MS = 5000;

export interface NatsLink {
  /**
   * Publishes on the node's event subject, retrying until the server stores it or the link
   * closes. Events that arrive while a publish waits go out together in the next message
   * (at most MAX_EVENTS_PER_MESSAGE; one publish at a time, so a node's events reach the
   * stream in the order they came). Its msgID names its events (msgIdOf), so JetStream
   * drops a retried repeat.
   */
  publishEvent(event: JobEvent): Promise<void>;
  /** Fire and forget: the WP_LOGS stream captures the job's log subject (this node's). */
  publishLog(record: LogRecord): void;
  /**
   * Consumes this node's commands from its durable consumer, one at a time, until close().
   * Each is acknowledged once `apply` resolves; one that is malformed, not signed by the
   * site's scheduler, or of an impossible term is logged and acknowledged, never applied.
   * The scheduler creates the consumer (when the node registers; the agent may not): until
   * it exists this waits for it in the background. Resolves at once.
   */
  consumeCommands(apply: (cmd: AgentCommand) => Promise<void>): Promise<void>;
  /** Stops taking commands; resolves after the one in hand was applied and acknowledged. */
  stopConsuming(): Promise<void>;
  /** Flushes pending events (up to a deadline) and closes the connection. */
  close(): Promise<void>;
  /** Whether the connection is up now (the agent's /readyz). */
  connected(): boolean;
}

export async function connectNatsLink(opts: { url: string; nodeId: string; credentials: Credentials; logger: Logger }): Promise<NatsLink> {
  const { nodeId } = opts;
  const log = opts.logger.child({ component: 'nats' });
  log.info({ url: opts.url }, 'connecting to NATS');
  // Waits for a server that is not up yet rather than failing the agent's start.
  const nc = await connectNats(opts.url, `wattpack-agent-${nodeId}`, { ...natsConnectionOptions(opts.credentials), waitOnFirstConnect: true }).catch((err: Error) => {
    throw new WattpackError('UNAVAILABLE', `cannot connect to NATS at "${opts.url}": ${err.message}`, { cause: err });
  });
  const connected = natsConnected(nc);
  try {
    logStatus(nc, log);
    const js = nc.jetstream();
    // No API check: it asks for the account's info, which a node may not.
    const jsm = await nc.jetstreamManager({ checkAPI: false });
    const durable = CONSUMERS.agent(nodeId);
    const guard = commandGuard(jsm, opts.credentials);
    log.info({ url: opts.url, consumer: durable }, 'connected to NATS');
    return linkOver(nc, { js, nodeId, durable, guard, connected, log });
  } catch (err) {
    await nc.close();
    throw err;
  }
}

/** The link's operations over a connection that is up, this node's consumer and command guard. */
function linkOver(nc: NatsConnection, ctx: { js: JetStreamClient; nodeId: string; durable: string; guard: CommandGuard; connected: () => boolean; log: Logger }): NatsLink {
  const { js, nodeId, durable, guard, connected, log } = ctx;
  // In every event's msgID: one no other node can guess (msgIdOf).
  const nonce = randomBytes(12).toString('base64url');
  const closing = new AbortController();
  const inflight = new Set<Promise<void>>();
  // One publish at a time, each after a turn of the event loop: the exits the spawn helper
  // reported in one read, and what came while the last publish waited, go in one message.
  const oneAtATime = pLimit(1);
  const events = new GroupCommit<JobEvent, void>({ run: (task) => oneAtATime(() => new Promise((r) => setImmediate(r)).then(task)) }, async (batch) => {
    for (let i = 0; i < batch.length; i += MAX_EVENTS_PER_MESSAGE) {
      await publishUntilStored(js, nodeId, batch.slice(i, i + MAX_EVENTS_PER_MESSAGE), nonce, closing.signal, log);
    }
    return batch.map(() => ({ status: 'fulfilled', value: undefined }));
  });
  let consuming: { stop(): Promise<void> } | undefined;

  const link: NatsLink = {
    connected,
    async publishEvent(event) {
      const attempt = events.add(event);
      inflight.add(attempt);
      try {
        await attempt;
      } finally {
        inflight.delete(attempt);
      }
    },

    publishLog(record) {
      if (nc.isClosed() || nc.isDraining()) return;
      nc.publish(SUBJECTS.log(nodeId, record.jobId), json.encode(record));
    },

    async consumeCommands(apply) {
      consuming = consumeInBackground(js, durable, (m) => admitAndApply(m, guard, apply, log), log);
    },

    async stopConsuming() {
      await consuming?.stop();
      consuming = undefined;
    },

    async close() {
      await link.stopConsuming();
      if (inflight.size) {
        log.info({ events: inflight.size }, 'flushing job events');
        await Promise.race([Promise.allSettled(inflight), new Promise((r) => setTimeout(r, FLUSH_MS).unref())]);
      }
      closing.abort();
      await Promise.race([nc.drain().catch(() => nc.close()), new Promise((r) => setTimeout(r, FLUSH_MS).unref())]);
      if (!nc.isClosed()) await nc.close();
    },
  };
  return link;
}

function logStatus(nc: NatsConnection, log: Logger): void {
  void (async () => {
    for await (const s of nc.status()) {
      const level = s.type === 'disconnect' ? 'warn' : s.type === 'reconnect' ? 'info' : s.type === 'error' ? 'error' : 'debug';
      log[level]({ type: s.type, data: s.data }, 'NATS connection status');
    }
  })();
}

/** Checks each command's signature and term; the term against the leader bucket's revision. */
function commandGuard(jsm: JetStreamManager, credentials: Credentials): CommandGuard {
  return new CommandGuard({
    credentials,
    leaderRevision: async () => {
      try {
        return (await jsm.streams.info(`KV_${BUCKETS.leader}`)).state.last_seq;
      } catch (err) {
        // No leader bucket: no scheduler ever led, so no term above 0 is real.
        if (err instanceof Error && /not found/i.test(err.message)) return 0;
        throw err;
      }
    },
  });
}

/**
 * One event's id is `${attemptId}:${nodeId}:${kind}:${nonce}` (a random nonce per link:
 * JetStream's dedupe window spans every node's subject, and an id another node could
 * guess would let it publish first and have this node's real event dropped). Several
 * events' message is named by a digest of their ids: the same message retried is dropped
 * as a repeat; no other message can share it.
 */
function msgIdOf(events: JobEvent[], nodeId: string, nonce: string): string {
  const ids = events.map((e) => `${e.attemptId}:${nodeId}:${e.kind}:${nonce}`);
  return ids.length === 1 ? ids[0]! : `batch:${createHash('sha256').update(ids.join('\n')).digest('base64url')}`;
}

/** Retries until the server stores the events' message, or the link closes (then rejects). */
async function publishUntilStored(js: JetStreamClient, nodeId: string, events: JobEvent[], nonce: string, closing: AbortSignal, log: Logger): Promise<void> {
  const backoff = new Backoff();
  const msgID = msgIdOf(events, nodeId, nonce);
  const payload = json.encode(events.length === 1 ? events[0] : { events });
  for (;;) {
    try {
      await js.publish(SUBJECTS.event(nodeId), payload, { msgID });
      return;
    } catch (err) {
      log.warn({ err, msgID }, 'publishing job event failed: retrying');
      if (!(await backoff.wait(closing))) throw new Error(`NATS link closed before events ${msgID} were published`);
    }
  }
}

async function admitAndApply(m: JsMsg, guard: CommandGuard, apply: (cmd: AgentCommand) => Promise<void>, log: Logger) {
  let admission;
  try {
    admission = await guard.admit(m.subject, m.data, m.headers);
  } catch (err) {
    log.warn({ err, seq: m.seq }, 'cannot read the leader record to check a command\'s term: retrying it');
    return m.nak(1000);
  }
  if (!admission.ok) {
    // Not the payload: a start command carries its job's env, secrets included.
    log.warn({ seq: m.seq, reason: admission.reason, bytes: m.data.length }, 'command refused: acknowledged and ignored');
    return m.ack();
  }
  await apply(admission.command);
  m.ack();
}

/** Consumes the node's durable consumer in the background, waiting for it while it does not exist yet, until stop(). */
function consumeInBackground(js: JetStreamClient, durable: string, handleOne: (m: JsMsg) => Promise<void>, log: Logger): { stop(): Promise<void> } {
  const stopping = new AbortController();
  let messages: ConsumerMessages | undefined;
  const loop = (async () => {
    // Short waits: a new node's consumer appears as it registers, and its first commands follow.
    const backoff = new Backoff(200, 1000);
    let waiting = false;
    while (!stopping.signal.aborted) {
      try {
        messages = await (await js.consumers.get(STREAMS.commands, durable)).consume(PULL);
        // Stopped while it was being looked up. close() takes effect in the iteration below, after messages already taken.
        if (stopping.signal.aborted) void messages.close();
        if (waiting) log.info({ consumer: durable }, 'command consumer in place');
        waiting = false;
        // The iterator can end without close(), e.g. when someone deletes the consumer: look it up again.
        for await (const m of messages) {
          backoff.reset();
          try {
            await handleOne(m);
          } catch (err) {
            log.error({ err, seq: m.seq }, 'applying command failed: acknowledged');
            m.ack();
          }
        }
      } catch (err) {
        if (err instanceof Error && /not found/i.test(err.message)) {
          if (!waiting) log.info({ consumer: durable }, 'waiting for the scheduler to create this node\'s command consumer');
          waiting = true;
        } else {
          log.error({ err }, 'command consumer failed');
        }
      }
      if (!(await backoff.wait(stopping.signal))) break;
    }
  })();
  return {
    async stop() {
      stopping.abort();
      void messages?.close();
      await loop;
    },
  };
}
