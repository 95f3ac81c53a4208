import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from 'nats';
import { STREAMS, ensureSchedulerConsumer, json, jobEventBodies, jobEventSchema, nodeIdSchema, nodeOfSubject, type JobEvent, type Logger } from '@wattpack/common/daemon';

/**
 * Events handed to the scheduler and not yet applied, at most (a message that would pass it
 * waits; a backlog of 64-event messages after a restart is not taken all at once): it
 * applies the events that wait together (GroupCommit, common/src/group-commit.ts), so a
 * stream of events is not one store round-trip each.
 */
const IN_FLIGHT = 512;

/**
 * Job events from agents, consumed durably: a message (one event, or a node's events that
 * were ready together) is acknowledged only after the scheduler has stored the effect of
 * each of its events, so a crash in between redelivers it (and applying an event twice
 * changes nothing). Messages are handed over in stream order without waiting for the one
 * before; the scheduler keeps each job's events in that order. The node an event speaks
 * for is the one in its subject, the only one NATS let publish there; the body's nodeId
 * counts for nothing. So a node can only move its own part of a job (applyEvent ignores
 * nodes a job is not on).
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
  let eventsInFlight = 0;
  const done = (async () => {
    for await (const m of messages) {
      const events = eventsOf(m, log);
      if (events.length === 0) {
        m.ack();
        continue;
      }
      const applied = Promise.all(events.map(handle)).then(
        () => m.ack(),
        (err: unknown) => {
          log.error({ err, events }, 'job events not applied; will retry');
          m.nak(1000);
        },
      );
      inFlight.add(applied);
      eventsInFlight += events.length;
      void applied.then(() => {
        inFlight.delete(applied);
        eventsInFlight -= events.length;
      });
      while (eventsInFlight >= IN_FLIGHT) await Promise.race(inFlight);
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

/** A message's well-formed events, each its sender's; what is malformed is logged and dropped. */
function eventsOf(m: JsMsg, log: Logger): JobEvent[] {
  const nodeId = nodeOfSubject(m.subject);
  if (!nodeId || !nodeIdSchema.safeParse(nodeId).success) {
    log.warn({ subject: m.subject }, 'dropping a job event not on a node\'s event subject');
    return [];
  }
  let bodies: unknown[];
  try {
    bodies = jobEventBodies(json.decode(m.data));
  } catch (err) {
    log.warn({ subject: m.subject, err: String(err) }, 'dropping malformed job event');
    return [];
  }
  const events: JobEvent[] = [];
  for (const body of bodies) {
    const parsed = jobEventSchema.safeParse(body);
    if (!parsed.success) {
      log.warn({ subject: m.subject, err: parsed.error.message }, 'dropping malformed job event');
      continue;
    }
    let event = parsed.data;
    if (event.nodeId !== nodeId) {
      log.warn({ subject: m.subject, claimed: event.nodeId, jobId: event.jobId }, 'job event names another node than its sender: taken as the sender\'s');
      event = { ...event, nodeId };
    }
    events.push(event);
  }
  return events;
}
