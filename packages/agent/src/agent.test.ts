import {
  STREAMS,
  SUBJECTS,
  createLogger,
  jobEventSchema,
  json,
  logRecordSchema,
  startNatsServer,
  type AgentCommand,
  type JobEvent,
  type LocalNatsServer,
  type LogRecord,
  type StartCommand,
} from '@wattpack/shared';
import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection, type StoredMsg } from 'nats';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentHandle } from './index.js';

let server: LocalNatsServer;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
const agents: AgentHandle[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
  js = nc.jetstream();
  jsm = await nc.jetstreamManager();
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

afterAll(async () => {
  await nc?.close();
  await server?.stop({ removeStore: true });
});

let nodes = 0;
async function agent(nodeId = `node-${++nodes}`): Promise<AgentHandle> {
  // Port 1: no scheduler there; the gRPC link keeps retrying in the background.
  const a = await startAgent({ nodeId, nats: server.url, scheduler: '127.0.0.1:1', simulate: 'h100x4+s19xp:2', logger: createLogger('test', 'silent') });
  agents.push(a);
  return a;
}

let seq = 0;
function startCommand(nodeId: string, argv: string[], extra: Partial<StartCommand> = {}): StartCommand {
  seq++;
  return {
    kind: 'start',
    commandId: `c-${seq}`,
    issuedAt: Date.now(),
    jobId: `job-${seq}`,
    attemptId: `job-${seq}-1`,
    attempt: 1,
    nodeRank: 0,
    nodeCount: 1,
    command: argv.slice(0, 1),
    args: argv.slice(1),
    env: {},
    gpuIndices: [0, 1],
    powerLimitW: 500,
    checkpoint: { signal: 'SIGTERM', graceSeconds: 5 },
    ...extra,
  };
}

const send = (nodeId: string, cmd: AgentCommand | string) =>
  js.publish(SUBJECTS.command(nodeId), typeof cmd === 'string' ? new TextEncoder().encode(cmd) : json.encode(cmd), typeof cmd === 'string' ? {} : { msgID: cmd.commandId });

/** Messages stored on one subject, read without consuming them. */
async function stored(stream: string, subject: string): Promise<StoredMsg[]> {
  const { state } = await jsm.streams.info(stream);
  const out: StoredMsg[] = [];
  for (let s = state.first_seq; s <= state.last_seq && state.messages > 0; s++) {
    const m = await jsm.streams.getMessage(stream, { seq: s }).catch(() => undefined);
    if (m?.subject === subject) out.push(m);
  }
  return out;
}

const events = async (nodeId: string): Promise<JobEvent[]> => (await stored(STREAMS.events, SUBJECTS.event(nodeId))).map((m) => jobEventSchema.parse(m.json()));
const logLines = async (jobId: string): Promise<LogRecord[]> => (await stored(STREAMS.logs, SUBJECTS.log(jobId))).map((m) => logRecordSchema.parse(m.json()));

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const exitedEvent = (nodeId: string, attemptId: string) =>
  until(`exited ${attemptId}`, async () => (await events(nodeId)).find((e) => e.attemptId === attemptId && e.kind === 'exited'));

describe('agent over NATS', () => {
  it('runs a start command: started, log lines, exited; the command is acknowledged', async () => {
    const a = await agent();
    const cmd = startCommand(a.nodeId, ['sh', '-c', 'echo "hello from $WATTPACK_JOB_ID on $CUDA_VISIBLE_DEVICES"; echo warn >&2; exit 7']);
    await send(a.nodeId, cmd);

    const exited = await exitedEvent(a.nodeId, cmd.attemptId);
    expect(exited).toMatchObject({ nodeId: a.nodeId, jobId: cmd.jobId, exitCode: 7 });
    const evs = (await stored(STREAMS.events, SUBJECTS.event(a.nodeId))).filter((m) => m.json<JobEvent>().attemptId === cmd.attemptId);
    expect(evs.map((m) => m.json<JobEvent>().kind)).toEqual(['started', 'exited']);
    expect(evs.map((m) => m.header.get('Nats-Msg-Id'))).toEqual([`${cmd.attemptId}:${a.nodeId}:started`, `${cmd.attemptId}:${a.nodeId}:exited`]);

    const lines = await until('log lines', async () => {
      const l = await logLines(cmd.jobId);
      return l.length === 2 && l;
    });
    expect(lines.map((l) => [l.stream, l.line]).sort()).toEqual([
      ['stderr', 'warn'],
      ['stdout', `hello from ${cmd.jobId} on 0,1`],
    ]);
    expect(lines[0]).toMatchObject({ jobId: cmd.jobId, attemptId: cmd.attemptId, nodeId: a.nodeId });
    // Work queue: an acknowledged command is gone from the stream.
    await until('command acked', async () => (await stored(STREAMS.commands, SUBJECTS.command(a.nodeId))).length === 0);
  });

  it('runs an attempt once when its start arrives twice under different command ids', async () => {
    const a = await agent();
    const cmd = startCommand(a.nodeId, ['sh', '-c', 'echo run; sleep 0.3']);
    await send(a.nodeId, cmd);
    await send(a.nodeId, { ...cmd, commandId: `${cmd.commandId}-again` });
    await exitedEvent(a.nodeId, cmd.attemptId);
    await send(a.nodeId, { ...cmd, commandId: `${cmd.commandId}-late` });
    await until('all commands acked', async () => (await stored(STREAMS.commands, SUBJECTS.command(a.nodeId))).length === 0);
    expect((await events(a.nodeId)).map((e) => e.kind)).toEqual(['started', 'exited']);
    expect((await logLines(cmd.jobId)).map((l) => l.line)).toEqual(['run']);
  });

  it('acknowledges malformed commands and keeps serving', async () => {
    const a = await agent();
    await send(a.nodeId, 'not json {');
    await send(a.nodeId, '{"kind":"start","commandId":"x"}');
    await send(a.nodeId, '{"kind":"explode","commandId":"y","issuedAt":1}');
    const cmd = startCommand(a.nodeId, ['true']);
    await send(a.nodeId, cmd);
    expect(await exitedEvent(a.nodeId, cmd.attemptId)).toMatchObject({ exitCode: 0 });
    await until('all commands acked', async () => (await stored(STREAMS.commands, SUBJECTS.command(a.nodeId))).length === 0);
  });

  it('applies stop, set-power and miners commands, visible in the report', async () => {
    const a = await agent();
    const cmd = startCommand(a.nodeId, ['sleep', '30'], { gpuIndices: [2], powerLimitW: 400 });
    await send(a.nodeId, cmd);
    await until('running', async () => a.attempts().length === 1);
    expect(a.attempts()[0]).toMatchObject({ jobId: cmd.jobId, attemptId: cmd.attemptId, gpuIndices: [2] });
    let report = await a.report();
    expect(report.gpus[2]).toMatchObject({ enforcedLimitW: 400, utilizationPct: expect.any(Number) });
    expect(report.gpus[2]!.powerDrawW).toBeGreaterThan(390);

    const base = { issuedAt: Date.now() };
    await send(a.nodeId, { ...base, kind: 'set-power', commandId: `${cmd.commandId}-p`, gpuIndices: [2], powerLimitW: 300 });
    await send(a.nodeId, { ...base, kind: 'miners', commandId: `${cmd.commandId}-m`, minerIds: [`${a.nodeId}-miner-1`], action: 'curtail' });
    report = await until('power applied', async () => {
      const r = await a.report();
      return r.gpus[2]!.enforcedLimitW === 300 && r.miners[1]!.state === 'MINER_RUN_STATE_CURTAILED' && r;
    });
    expect(report.miners[1]!.hashrateThs).toBe(0);
    expect(report.miners[0]!.state).toBe('MINER_RUN_STATE_MINING');

    await send(a.nodeId, { ...base, kind: 'stop', commandId: `${cmd.commandId}-s`, jobId: cmd.jobId, attemptId: cmd.attemptId, reason: 'cancelled by user', signal: 'SIGTERM', graceSeconds: 5 });
    expect(await exitedEvent(a.nodeId, cmd.attemptId)).toMatchObject({ exitCode: 143, signal: 'SIGTERM', reason: 'cancelled by user' });
    expect(a.attempts()).toEqual([]);
    expect((await a.report()).gpus[2]!.enforcedLimitW).toBe(700);
  });

  it('stop() ends running attempts with their checkpoint signal and publishes their exit', async () => {
    const a = await agent();
    const cmd = startCommand(a.nodeId, ['sh', '-c', 'trap "echo saving; exit 0" INT; echo up; while true; do sleep 0.05; done'], { checkpoint: { signal: 'SIGINT', graceSeconds: 5 } });
    await send(a.nodeId, cmd);
    await until('up', async () => (await logLines(cmd.jobId)).some((l) => l.line === 'up'));
    await a.stop();
    expect((await events(a.nodeId)).find((e) => e.kind === 'exited')).toMatchObject({ exitCode: 0, reason: 'agent shutting down' });
    expect((await logLines(cmd.jobId)).map((l) => l.line)).toContain('saving');
  });

  it('runs commands sent while it was down once it is back (durable consumer)', async () => {
    const first = await agent();
    const nodeId = first.nodeId;
    await first.stop();
    const cmd = startCommand(nodeId, ['true']);
    await send(nodeId, cmd);
    await agent(nodeId);
    expect(await exitedEvent(nodeId, cmd.attemptId)).toMatchObject({ exitCode: 0 });
  });

  it('rejects invalid options, naming them', async () => {
    const base = { nats: server.url, logger: createLogger('test', 'silent') };
    await expect(startAgent({ ...base, nodeId: 'n' })).rejects.toThrow(/pass --simulate <profile>/);
    await expect(startAgent({ ...base, nodeId: 'bad.id', simulate: 'h100x8' })).rejects.toThrow('node id "bad.id"');
    await expect(startAgent({ ...base, nodeId: 'n', simulate: 'h100x8', runtime: 'docker' })).rejects.toThrow('runtime "docker" is not available: use one of process');
  });
});
