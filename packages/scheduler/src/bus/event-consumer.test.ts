import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { STREAMS, SUBJECTS, createLogger, ensureStreams, json, startNatsServer, type JobEvent, type LocalNatsServer } from '@wattpack/common';
import { consumeJobEvents } from './event-consumer.js';

describe('the job event consumer (a real nats-server)', () => {
  let server: LocalNatsServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let consumer: { stop(): Promise<void> } | undefined;
  /** What the scheduler was handed; `gate` decides when (and whether) each is applied. */
  const handed: JobEvent[] = [];
  let gate: (e: JobEvent) => Promise<void> = async () => {};

  const event = (nodeId: string, i: number): JobEvent => ({ kind: 'exited', nodeId, jobId: `job-${i}`, attemptId: `job-${i}-1`, at: i, exitCode: 0 });
  const left = async () => (await jsm.streams.info(STREAMS.events)).state.messages;
  const until = async (what: string, probe: () => Promise<boolean> | boolean) => {
    for (const end = Date.now() + 20_000; !(await probe()); await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    }
  };

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    js = nc.jetstream();
    jsm = await nc.jetstreamManager();
    await ensureStreams(jsm);
    consumer = await consumeJobEvents(js, jsm, (e) => (handed.push(e), gate(e)), createLogger('test', 'silent'));
  }, 60_000);
  afterAll(async () => {
    await consumer?.stop();
    await nc?.close();
    await server?.stop({ removeStore: true });
  });

  it("takes a node's batch: each well-formed event as its sender's, a malformed one dropped", async () => {
    handed.length = 0;
    const body = { events: [event('n1', 1), { ...event('n2', 2) }, { kind: 'exited', jobId: 'job-3' }, event('n1', 4)] };
    await js.publish(SUBJECTS.event('n1'), json.encode(body));
    await js.publish(SUBJECTS.event('n1'), json.encode(event('n1', 5)));
    await until('both messages acknowledged', async () => (await left()) === 0);
    expect(handed).toEqual([event('n1', 1), event('n1', 2), event('n1', 4), event('n1', 5)]);
  });

  it('acknowledges a batch only once every event of it is applied, and has it again when one fails', async () => {
    handed.length = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let failures = 1;
    gate = async (e) => {
      if (e.jobId === 'job-7') return held;
      if (e.jobId === 'job-8' && failures-- > 0) throw new Error('store write failed');
    };
    await js.publish(SUBJECTS.event('n1'), json.encode({ events: [event('n1', 6), event('n1', 7)] }));
    await js.publish(SUBJECTS.event('n1'), json.encode({ events: [event('n1', 8), event('n1', 9)] }));
    // The failed batch comes again (after the nak's second), and is applied then.
    await until('the failed batch again', () => handed.filter((e) => e.jobId === 'job-8').length === 2);
    await until('it acknowledged', async () => (await left()) === 1);
    expect(handed.filter((e) => e.jobId === 'job-9')).toHaveLength(2);
    // The first waits on job-7's write.
    release();
    await until('the first acknowledged', async () => (await left()) === 0);
    gate = async () => {};
  });
});
