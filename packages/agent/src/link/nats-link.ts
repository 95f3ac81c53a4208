import type { JsMsg } from 'nats';
import {
  Backoff,
  STREAMS,
  SUBJECTS,
  agentCommandSchema,
  connectNats,
  describeIssues,
  ensureAgentConsumer,
  ensureStreams,
  json,
  natsConnectionOptions,
  WattpackError,
  type Credentials,
  type AgentCommand,
  type JobEvent,
  type LogRecord,
  type Logger,
} from '@wattpack/shared';

/** Short pulls: after a NATS server dies or restarts, the next pull reaches a live one within seconds. */
const PULL = { expires: 5000 };

/** How long close() waits for events still being published before giving up on them. */
const FLUSH_MS = 5000;

export interface NatsLink {
  /**
   * Publishes on the node's event subject with msgID `${attemptId}:${nodeId}:${kind}`, so
   * JetStream drops a repeat; retries until the server stores it or the link closes.
   */
  publishEvent(event: JobEvent): Promise<void>;
  /** Fire and forget: the WP_LOGS stream captures the job's log subject. */
  publishLog(record: LogRecord): void;
  /**
   * Consumes this node's commands from its durable consumer, one at a time, until close().
   * Each is acknowledged once `apply` resolves; a malformed one is logged and acknowledged.
   * Resolves once the consumer is in place.
   */
  consumeCommands(apply: (cmd: AgentCommand) => Promise<void>): Promise<void>;
  /** Stops taking commands; resolves after the one in hand was applied and acknowledged. */
  stopConsuming(): Promise<void>;
  /** Flushes pending events (up to a deadline) and closes the connection. */
  close(): Promise<void>;
}

export async function connectNatsLink(opts: { url: string; nodeId: string; credentials: Credentials; logger: Logger }): Promise<NatsLink> {
  const { nodeId } = opts;
  const log = opts.logger.child({ component: 'nats' });
  log.info({ url: opts.url }, 'connecting to NATS');
  // Waits for a server that is not up yet rather than failing the agent's start.
  const nc = await connectNats(opts.url, `wattpack-agent-${nodeId}`, { ...natsConnectionOptions(opts.credentials), waitOnFirstConnect: true }).catch((err: Error) => {
    throw new WattpackError('UNAVAILABLE', `cannot connect to NATS at "${opts.url}": ${err.message}`, { cause: err });
  });
  try {
    void (async () => {
      for await (const s of nc.status()) {
        const level = s.type === 'disconnect' ? 'warn' : s.type === 'reconnect' ? 'info' : s.type === 'error' ? 'error' : 'debug';
        log[level]({ type: s.type, data: s.data }, 'NATS connection status');
      }
    })();
    const jsm = await nc.jetstreamManager();
    await ensureStreams(jsm);
    const durable = await ensureAgentConsumer(jsm, nodeId);
    const js = nc.jetstream();
    log.info({ url: opts.url, consumer: durable }, 'connected to NATS');

    const closing = new AbortController();
    const inflight = new Set<Promise<void>>();
    let consuming: { stop(): Promise<void> } | undefined;

    const handle = async (m: JsMsg, apply: (cmd: AgentCommand) => Promise<void>) => {
      let raw: unknown;
      try {
        raw = json.decode(m.data);
      } catch {
        log.warn({ seq: m.seq, data: m.string().slice(0, 200) }, 'command is not JSON: acknowledged and ignored');
        return m.ack();
      }
      const parsed = agentCommandSchema.safeParse(raw);
      if (!parsed.success) {
        log.warn({ seq: m.seq, issues: describeIssues(parsed.error) }, 'malformed command acknowledged and ignored');
        return m.ack();
      }
      await apply(parsed.data);
      m.ack();
    };

    const link: NatsLink = {
      async publishEvent(event) {
        const msgID = `${event.attemptId}:${nodeId}:${event.kind}`;
        const attempt = (async () => {
          const backoff = new Backoff();
          for (;;) {
            try {
              await js.publish(SUBJECTS.event(nodeId), json.encode(event), { msgID });
              return;
            } catch (err) {
              log.warn({ err, msgID }, 'publishing job event failed: retrying');
              if (!(await backoff.wait(closing.signal))) throw new Error(`NATS link closed before event ${msgID} was published`);
            }
          }
        })();
        inflight.add(attempt);
        try {
          await attempt;
        } finally {
          inflight.delete(attempt);
        }
      },

      publishLog(record) {
        if (nc.isClosed() || nc.isDraining()) return;
        nc.publish(SUBJECTS.log(record.jobId), json.encode(record));
      },

      async consumeCommands(apply) {
        let messages = await (await js.consumers.get(STREAMS.commands, durable)).consume(PULL);
        let stopped = false;
        // The iterator can end without close(), e.g. when someone deletes the consumer: recreate it.
        const loop = (async () => {
          const backoff = new Backoff();
          while (!stopped) {
            try {
              for await (const m of messages) {
                backoff.reset();
                try {
                  await handle(m, apply);
                } catch (err) {
                  log.error({ err, seq: m.seq }, 'applying command failed: acknowledged');
                  m.ack();
                }
              }
            } catch (err) {
              log.error({ err }, 'command consumer failed');
            }
            if (stopped || !(await backoff.wait(closing.signal))) break;
            try {
              await ensureAgentConsumer(jsm, nodeId);
              messages = await (await js.consumers.get(STREAMS.commands, durable)).consume(PULL);
            } catch (err) {
              log.error({ err }, 'recreating the command consumer failed');
            }
          }
        })();
        consuming = {
          async stop() {
            stopped = true;
            await messages.close();
            await loop;
          },
        };
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
  } catch (err) {
    await nc.close();
    throw err;
  }
}
