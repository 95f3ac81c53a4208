import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckPolicy, connect, type JetStreamManager, type NatsConnection } from 'nats';
import { CONSUMERS, STREAMS, SUBJECTS, agentConsumersInPlace, createLogger, ensureAgentConsumer, ensureStreams, startNatsServer, type LocalNatsServer } from '@wattpack/common';
import { agentConsumers } from './agent-consumers.js';

/** Node ids past one page of the consumer list (256), so that paging is exercised. */
const NODES = Array.from({ length: 300 }, (_, i) => `n${i}`);

describe("agents' command consumers (a real nats-server)", () => {
  let server: LocalNatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let watcher: NatsConnection;
  /** The consumers nats-server was asked to create ($JS.API.CONSUMER.CREATE.<stream>.<consumer>[.<filter>]). */
  const creates: string[] = [];
  const log = createLogger('test', 'silent');
  const unfenced = <T>(write: () => Promise<T>) => write();

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    jsm = await nc.jetstreamManager();
    await ensureStreams(jsm);
    watcher = await connect({ servers: server.url });
    watcher.subscribe(`$JS.API.CONSUMER.CREATE.${STREAMS.commands}.>`, { callback: (_err, msg) => creates.push(msg.subject.split('.')[5]!) });
    await watcher.flush();
    await Promise.all(NODES.map((id) => ensureAgentConsumer(jsm, id)));
    // Not an agent consumer as ensureAgentConsumer makes it: made again when its node registers.
    await jsm.consumers.add(STREAMS.commands, { durable_name: CONSUMERS.agent('odd'), filter_subject: SUBJECTS.command('odd'), ack_policy: AckPolicy.Explicit, ack_wait: 5e9 });
    await watcher.flush();
    creates.length = 0;
  }, 60_000);
  afterAll(async () => {
    await Promise.all([nc?.close(), watcher?.close()]);
    await server?.stop({ removeStore: true });
  });

  it('lists those in place as ensureAgentConsumer makes them, past one page, and no other', async () => {
    const found = await agentConsumersInPlace(jsm);
    expect([...found].sort()).toEqual(NODES.map((id) => CONSUMERS.agent(id)).sort());
  });

  it('a new term makes only the consumers that are missing or differ, each once', async () => {
    const openNode = agentConsumers(jsm, unfenced, log);
    await Promise.all(NODES.map((id) => openNode(id)));
    await openNode('new-node');
    await openNode('new-node');
    await openNode('odd');
    // A differing consumer may be made again after openNode answers: wait for it, briefly.
    for (const end = Date.now() + 10_000; creates.length < 2 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
    await watcher.flush();
    expect(creates.sort()).toEqual([CONSUMERS.agent('new-node'), CONSUMERS.agent('odd')]);
    expect((await jsm.consumers.info(STREAMS.commands, CONSUMERS.agent('odd'))).config.ack_wait).toBe(30e9);
  });
});
