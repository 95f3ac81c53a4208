import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STREAMS, SUBJECTS, createLogger, loadCredentials, signerOf, type JobEvent } from '@wattpack/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBus, startCommand, until } from '../test-fixtures/agent-bus.js';
import { startAgent, type AgentHandle } from './index.js';

let bus: Awaited<ReturnType<typeof startBus>>;
const agents: AgentHandle[] = [];

beforeAll(async () => {
  bus = await startBus();
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

afterAll(async () => {
  await bus?.close();
});

let nodes = 0;
async function agent(nodeId = `node-${++nodes}`, opts: { consumer?: boolean } = {}): Promise<AgentHandle> {
  // Port 1: no scheduler there; the gRPC link keeps retrying in the background.
  const credentials = await bus.credentialsFor(nodeId, opts);
  const a = await startAgent({ credentials, nats: bus.url, scheduler: '127.0.0.1:1', simulate: 'h100x4+s19xp:2', logger: createLogger('test', 'silent') });
  agents.push(a);
  return a;
}

const exitedEvent = (nodeId: string, attemptId: string) => bus.eventOf(nodeId, attemptId, 'exited');

describe('agent over NATS', () => {
  it('runs a start command: started, log lines, exited; the command is acknowledged', async () => {
    const a = await agent();
    const cmd = startCommand(['sh', '-c', 'echo "hello from $WATTPACK_JOB_ID on $CUDA_VISIBLE_DEVICES"; echo warn >&2; exit 7']);
    await bus.send(a.nodeId, cmd);

    const exited = await exitedEvent(a.nodeId, cmd.attemptId);
    expect(exited).toMatchObject({ nodeId: a.nodeId, jobId: cmd.jobId, exitCode: 7 });
    const evs = (await bus.stored(STREAMS.events, SUBJECTS.event(a.nodeId))).filter((m) => m.json<JobEvent>().attemptId === cmd.attemptId);
    expect(evs.map((m) => m.json<JobEvent>().kind)).toEqual(['started', 'exited']);
    const [startedId, exitedId] = evs.map((m) => m.header.get('Nats-Msg-Id'));
    expect(startedId).toMatch(new RegExp(`^${cmd.attemptId}:${a.nodeId}:started:[\\w-]{16}$`));
    expect(exitedId).toBe(startedId!.replace(':started:', ':exited:'));

    const lines = await until('log lines', async () => {
      const l = await bus.logLines(cmd.jobId, a.nodeId);
      return l.length === 2 && l;
    });
    expect(lines.map((l) => [l.stream, l.line]).sort()).toEqual([
      ['stderr', 'warn'],
      ['stdout', `hello from ${cmd.jobId} on 0,1`],
    ]);
    expect(lines[0]).toMatchObject({ jobId: cmd.jobId, attemptId: cmd.attemptId, nodeId: a.nodeId });
    // Work queue: an acknowledged command is gone from the stream.
    await until('command acked', async () => (await bus.stored(STREAMS.commands, SUBJECTS.command(a.nodeId))).length === 0);
  });

  it('runs an attempt once when its start arrives twice under different command ids', async () => {
    const a = await agent();
    const cmd = startCommand(['sh', '-c', 'echo run; sleep 0.3']);
    await bus.send(a.nodeId, cmd);
    await bus.send(a.nodeId, { ...cmd, commandId: `${cmd.commandId}-again` });
    await exitedEvent(a.nodeId, cmd.attemptId);
    await bus.send(a.nodeId, { ...cmd, commandId: `${cmd.commandId}-late` });
    await until('all commands acked', async () => (await bus.stored(STREAMS.commands, SUBJECTS.command(a.nodeId))).length === 0);
    expect((await bus.events(a.nodeId)).map((e) => e.kind)).toEqual(['started', 'exited']);
    expect((await bus.logLines(cmd.jobId, a.nodeId)).map((l) => l.line)).toEqual(['run']);
  });

  it('acknowledges malformed commands and keeps serving', async () => {
    const a = await agent();
    await bus.send(a.nodeId, 'not json {');
    await bus.send(a.nodeId, '{"kind":"start","commandId":"x"}');
    await bus.send(a.nodeId, '{"kind":"explode","commandId":"y","issuedAt":1}');
    const cmd = startCommand(['true']);
    await bus.send(a.nodeId, cmd);
    expect(await exitedEvent(a.nodeId, cmd.attemptId)).toMatchObject({ exitCode: 0 });
    await until('all commands acked', async () => (await bus.stored(STREAMS.commands, SUBJECTS.command(a.nodeId))).length === 0);
  });

  it('applies stop, set-power and miners commands, visible in the report', async () => {
    const a = await agent();
    const cmd = startCommand(['sleep', '30'], { gpuIndices: [2], powerLimitW: 400 });
    await bus.send(a.nodeId, cmd);
    await until('running', async () => a.attempts().length === 1);
    expect(a.attempts()[0]).toMatchObject({ jobId: cmd.jobId, attemptId: cmd.attemptId, gpuIndices: [2] });
    let report = await a.report();
    expect(report.gpus[2]).toMatchObject({ enforcedLimitW: 400, utilizationPct: expect.any(Number) });
    expect(report.gpus[2]!.powerDrawW).toBeGreaterThan(390);
    // Training at 400 W wants more than 400 W: the limit holds it back.
    expect(report.attempts[0]).toMatchObject({ attemptId: cmd.attemptId, maxDrawW: report.gpus[2]!.powerDrawW, enforcedLimitW: 400, powerCapped: true });

    const base = { issuedAt: Date.now() };
    await bus.send(a.nodeId, { ...base, kind: 'set-power', commandId: `${cmd.commandId}-p`, gpuIndices: [2], powerLimitW: 300 });
    await bus.send(a.nodeId, { ...base, kind: 'miners', commandId: `${cmd.commandId}-m`, minerIds: [`${a.nodeId}-miner-1`], action: 'curtail' });
    report = await until('power applied', async () => {
      const r = await a.report();
      return r.gpus[2]!.enforcedLimitW === 300 && r.miners[1]!.state === 'MINER_RUN_STATE_CURTAILED' && r;
    });
    expect(report.miners[1]!.hashrateThs).toBe(0);
    expect(report.miners[0]!.state).toBe('MINER_RUN_STATE_MINING');

    await bus.send(a.nodeId, { ...base, kind: 'stop', commandId: `${cmd.commandId}-s`, jobId: cmd.jobId, attemptId: cmd.attemptId, reason: 'cancelled by user', signal: 'SIGTERM', graceSeconds: 5 });
    expect(await exitedEvent(a.nodeId, cmd.attemptId)).toMatchObject({ exitCode: 143, signal: 'SIGTERM', reason: 'cancelled by user' });
    expect(a.attempts()).toEqual([]);
    expect((await a.report()).gpus[2]!.enforcedLimitW).toBe(700);
  });

  it('a simulated job that declares WATTPACK_SIM_DRAW_W draws that under a higher limit, and is capped under a lower one', async () => {
    const a = await agent();
    const cmd = startCommand(['sleep', '30'], { gpuIndices: [1, 3], powerLimitW: 700, env: { WATTPACK_SIM_DRAW_W: '470' } });
    await bus.send(a.nodeId, cmd);
    await until('running', async () => a.attempts().length === 1);
    const [uncapped] = (await a.report()).attempts;
    expect(uncapped).toMatchObject({ enforcedLimitW: 700, powerCapped: false });
    expect(uncapped!.maxDrawW).toBeGreaterThan(467);
    expect(uncapped!.maxDrawW).toBeLessThan(473);

    await bus.send(a.nodeId, { issuedAt: Date.now(), kind: 'set-power', commandId: `${cmd.commandId}-p`, gpuIndices: [1, 3], powerLimitW: 400 });
    const capped = await until('limit applied', async () => (await a.report()).attempts.find((s) => s.enforcedLimitW === 400));
    expect(capped).toMatchObject({ powerCapped: true });
    expect(capped.maxDrawW).toBeLessThanOrEqual(400);
  });

  it('stop() ends running attempts with their checkpoint signal and publishes their exit', async () => {
    const a = await agent();
    const cmd = startCommand(['sh', '-c', 'trap "echo saving; exit 0" INT; echo up; while true; do sleep 0.05; done'], { checkpoint: { signal: 'SIGINT', graceSeconds: 5 } });
    await bus.send(a.nodeId, cmd);
    await until('up', async () => (await bus.logLines(cmd.jobId, a.nodeId)).some((l) => l.line === 'up'));
    await a.stop();
    expect((await bus.events(a.nodeId)).find((e) => e.kind === 'exited')).toMatchObject({ exitCode: 0, reason: 'agent shutting down' });
    expect((await bus.logLines(cmd.jobId, a.nodeId)).map((l) => l.line)).toContain('saving');
  });

  it('runs commands sent while it was down once it is back (durable consumer)', async () => {
    const first = await agent();
    const nodeId = first.nodeId;
    await first.stop();
    const cmd = startCommand(['true']);
    await bus.send(nodeId, cmd);
    await agent(nodeId);
    expect(await exitedEvent(nodeId, cmd.attemptId)).toMatchObject({ exitCode: 0 });
  });

  it('waits for the scheduler to make its command consumer, then runs what was sent meanwhile', async () => {
    const a = await agent(undefined, { consumer: false });
    const cmd = startCommand(['true']);
    await bus.send(a.nodeId, cmd);
    await new Promise((r) => setTimeout(r, 500));
    expect(await bus.events(a.nodeId)).toEqual([]);
    await bus.openNode(a.nodeId);
    expect(await exitedEvent(a.nodeId, cmd.attemptId)).toMatchObject({ exitCode: 0 });
  });

  it('acknowledges and never runs commands without the scheduler\'s signature, or of a term beyond any leader\'s', async () => {
    const a = await agent();
    const marker = join(mkdtempSync(join(tmpdir(), 'wattpack-marker-')), 'ran');
    const node = loadCredentials(await bus.credentialsFor(a.nodeId));
    if (node.insecure) throw new Error('secure credentials expected');
    await bus.send(a.nodeId, startCommand(['touch', marker]), { signer: null });
    await bus.send(a.nodeId, startCommand(['touch', marker]), { signer: signerOf(node.certPem, node.keyPem) });
    // Signed, but no scheduler ever led (no leader record): no term above 0 is real.
    await bus.send(a.nodeId, startCommand(['touch', marker], { term: Number.MAX_SAFE_INTEGER }));
    const cmd = startCommand(['true']);
    await bus.send(a.nodeId, cmd);
    expect(await exitedEvent(a.nodeId, cmd.attemptId)).toMatchObject({ exitCode: 0 });
    await until('all commands acked', async () => (await bus.stored(STREAMS.commands, SUBJECTS.command(a.nodeId))).length === 0);
    expect((await bus.events(a.nodeId)).map((e) => [e.attemptId, e.kind])).toEqual([
      [cmd.attemptId, 'started'],
      [cmd.attemptId, 'exited'],
    ]);
    expect(existsSync(marker)).toBe(false);
  });

  it('runs only with credentials, as the node they name', async () => {
    const logger = createLogger('test', 'silent');
    await expect(startAgent({ nats: bus.url, simulate: 'h100x8', logger })).rejects.toThrow(/--credentials: give the node's credentials folder/);
    const credentials = await bus.credentialsFor('cred-1');
    await expect(startAgent({ credentials, nodeId: 'cred-2', nats: bus.url, simulate: 'h100x8', logger })).rejects.toThrow('--node-id "cred-2" differs from the node its credentials name ("cred-1")');
  });

  it('rejects invalid options, naming them', async () => {
    const base = { nats: bus.url, insecure: true, logger: createLogger('test', 'silent') };
    await expect(startAgent({ ...base, nodeId: 'n', gpus: 'none' })).rejects.toThrow(/nothing to manage: .*--simulate <profile>/);
    await expect(startAgent({ ...base, nodeId: 'bad.id', simulate: 'h100x8' })).rejects.toThrow('node id "bad.id"');
    await expect(startAgent({ ...base, nodeId: 'n', simulate: 'h100x8', runtime: 'rkt' })).rejects.toThrow('runtime "rkt" is not available: use one of process, podman, docker');
    await expect(startAgent({ ...base, nodeId: 'n', miners: '/nonexistent/miners.yaml' })).rejects.toThrow('cannot read /nonexistent/miners.yaml: ENOENT');
  });
});
