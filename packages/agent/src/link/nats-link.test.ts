import { STREAMS, SUBJECTS, createLogger, loadCredentials, type JobEvent } from '@wattpack/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBus } from '../../test-fixtures/agent-bus.js';
import { connectNatsLink, type NatsLink } from './nats-link.js';

let bus: Awaited<ReturnType<typeof startBus>>;
let link: NatsLink;
const nodeId = 'batching-node';

beforeAll(async () => {
  bus = await startBus();
  link = await connectNatsLink({ url: bus.url, nodeId, credentials: loadCredentials(await bus.credentialsFor(nodeId)), logger: createLogger('test', 'silent') });
}, 60_000);

afterAll(async () => {
  await link?.close();
  await bus?.close();
});

const exited = (i: number): JobEvent => ({ kind: 'exited', nodeId, jobId: `job-${i}`, attemptId: `job-${i}-1`, at: 1_000 + i, exitCode: 0 });

describe("the NATS link's job events (a real nats-server)", () => {
  it('publishes the events that arrive together in one message, in order, each resolved once stored', async () => {
    await link.publishEvent(exited(0));
    const events = Array.from({ length: 10 }, (_, i) => exited(1 + i));
    await Promise.all(events.map((e) => link.publishEvent(e)));

    const stored = await bus.stored(STREAMS.events, SUBJECTS.event(nodeId));
    expect(stored.map((m) => (m.json<{ events?: unknown[] }>().events ?? [m.json()]).length)).toEqual([1, 10]);
    // One event's message is named by the event; several events' by a digest of theirs.
    expect(stored[0]!.header.get('Nats-Msg-Id')).toMatch(new RegExp(`^job-0-1:${nodeId}:exited:[\\w-]{16}$`));
    expect(stored[1]!.header.get('Nats-Msg-Id')).toMatch(/^batch:[\w-]{43}$/);
    expect(await bus.events(nodeId)).toEqual([exited(0), ...events]);
  });

  it('splits a long burst into messages of at most 64 events', async () => {
    const before = (await bus.stored(STREAMS.events, SUBJECTS.event(nodeId))).length;
    const events = Array.from({ length: 150 }, (_, i) => exited(100 + i));
    await Promise.all(events.map((e) => link.publishEvent(e)));
    const stored = (await bus.stored(STREAMS.events, SUBJECTS.event(nodeId))).slice(before);
    expect(stored.map((m) => (m.json<{ events?: unknown[] }>().events ?? [m.json()]).length)).toEqual([64, 64, 22]);
    expect((await bus.events(nodeId)).slice(-150)).toEqual(events);
  });
});
