import type { ConsumerMessages, JetStreamClient, JetStreamManager } from 'nats';
import { STREAMS, ensureSchedulerConsumer, json, jobEventSchema, nodeIdSchema, nodeOfSubject, type JobEvent, type Logger } from '@wattpack/common/daemon';

/**
 * Events handed to the scheduler and not yet applied, at most: it applies those that wait
 * together (loop/group-commit.ts), so a stream of events is not one store round-trip each.
 */
const IN_FLIGHT = 512;

/**
 * Job events from agents, consumed durably: an event is acknowledged only after the
 * scheduler has stored its effect, so a crash in between redelivers it (and applying
 * it twice changes nothing). Events are handed over in stream order without waiting for
 * the one before; the scheduler keeps each job's in that order. The node an event speaks for is the one in its subject,
 * the only one NATS let publish there; the body's nodeId counts for nothing. So a node
 * can only move its own part of a job (applyEvent ignores nodes a job is not on).
 */
export async function consumeJobEvents(
  js: JetStreamClient,
  jsm: JetStreamManager,
  handle: (event: JobEvent) => Promise<void>,
  log: Logger,
): Promise<{ stop(): Promise<void> }> {
  const durable = await ensureSchedulerConsumer(jsm);
  const consumer = await js.consumers.get(STREAMS.events, durable);
  // Short pulls: after a NATS server dies or restarts, the next pull goes to a live one within seconds.
  const messages: ConsumerMessages = await consumer.consume({ expires: 5000 });
  const inFlight = new Set<Promise<void>>();
  const done = (async () => {
    for await (const m of messages) {
      let event: JobEvent;
      const nodeId = nodeOfSubject(m.subject);
      try {
        if (!nodeId || !nodeIdSchema.safeParse(nodeId).success) throw new Error('not a node\'s event subject');
        event = jobEventSchema.parse(json.decode(m.data));
      } catch (err) {
        log.warn({ subject: m.subject, err: String(err) }, 'dropping malformed job event');
        m.ack();
        continue;
      }
      if (event.nodeId !== nodeId) {
        log.warn({ subject: m.subject, claimed: event.nodeId, jobId: event.jobId }, 'job event names another node than its sender: taken as the sender\'s');
        event = { ...event, nodeId };
      }
      const applied = handle(event).then(
        () => m.ack(),
        (err: unknown) => {
          log.error({ err, event }, 'job event not applied; will retry');
          m.nak(1000);
        },
      );
      inFlight.add(applied);
      void applied.then(() => inFlight.delete(applied));
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  })();
  return {
    async stop() {
      await messages.close();
      await done;
    },
  };
}
