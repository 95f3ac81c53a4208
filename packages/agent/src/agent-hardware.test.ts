import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@wattpack/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startBus, startCommand, until } from '../test-fixtures/agent-bus.js';
import { fakeNvidia, type FakeNvidiaOptions } from '../test-fixtures/fake-nvidia.js';
import { startMiners, type SimulatedMiner } from './collectors/asic/simulator.js';
import { startAgent, type AgentHandle } from './index.js';

let bus: Awaited<ReturnType<typeof startBus>>;
const agents: AgentHandle[] = [];
const cleanups: (() => unknown)[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  bus = await startBus();
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  for (const c of cleanups.splice(0)) await c();
  process.env = { ...savedEnv };
});
afterAll(async () => {
  await bus?.close();
});

let nodes = 0;
async function agent(opts: { gpus?: string; miners?: string }) {
  const credentials = await bus.credentialsFor(`hw-${++nodes}`);
  const a = await startAgent({ credentials, nats: bus.url, scheduler: '127.0.0.1:1', reportIntervalMs: 200, logger: createLogger('test', 'silent'), ...opts });
  agents.push(a);
  return a;
}

/** The fake nvidia-smi (and dmesg) first on the agent's PATH. */
function gpuNode(opts: FakeNvidiaOptions) {
  const fake = fakeNvidia(opts);
  cleanups.push(fake.cleanup);
  Object.assign(process.env, fake.env);
  return fake;
}

describe('agent on NVIDIA GPUs (fake nvidia-smi printing real captures)', () => {
  it('applies the job power limit before it runs, verified, and restores the default when it ends', async () => {
    const fake = gpuNode({ capture: 'h100', gpus: 4 });
    const a = await agent({ gpus: 'nvidia' });
    expect(a.inventory.gpus.map((g) => [g.model, g.maxPowerLimitW])).toEqual(Array(4).fill(['NVIDIA H100 80GB HBM3', 700]));
    const cmd = startCommand(['sh', '-c', 'echo "GPUs $CUDA_VISIBLE_DEVICES"; sleep 0.5'], { gpuIndices: [1, 2], powerLimitW: 400 });
    await bus.send(a.nodeId, cmd);
    await bus.eventOf(a.nodeId, cmd.attemptId, 'started');
    expect(fake.powerLimitCalls()).toEqual(['1,2 400.00']);
    // Reports read the looping nvidia-smi: the new limits show within a report interval.
    await until('limits reported', async () => (await a.report()).gpus.map((g) => g.enforcedLimitW).join() === '700,400,400,700');
    expect(await bus.eventOf(a.nodeId, cmd.attemptId, 'exited')).toMatchObject({ exitCode: 0 });
    await until('limits restored', async () => fake.powerLimitCalls().length === 2);
    expect(fake.powerLimitCalls()).toEqual(['1,2 400.00', '1,2 700.00']);
    expect((await bus.logLines(cmd.jobId, a.nodeId)).map((l) => l.line)).toEqual(['GPUs 1,2']);
  });

  it('fails a start whose limit the driver refuses, and marks those GPUs failed with the reason', async () => {
    gpuNode({ capture: 'h200', pl: 'denied' });
    const a = await agent({ gpus: 'nvidia' });
    const cmd = startCommand(['sh', '-c', 'echo should not run'], { gpuIndices: [0], powerLimitW: 450 });
    await bus.send(a.nodeId, cmd);
    const failed = await bus.eventOf(a.nodeId, cmd.attemptId, 'failed');
    expect(failed.reason).toMatch(/^power limit not applied: GPU 0: 450 W: insufficient permissions: the agent needs root/);
    expect(await bus.logLines(cmd.jobId, a.nodeId)).toEqual([]);
    const [gpu] = (await a.report()).gpus;
    expect(gpu).toMatchObject({ health: 'HEALTH_FAILED', healthReason: expect.stringMatching(/^power limit not applied: GPU 0: .*insufficient permissions/) });
  });
});

describe('agent with miners (simulator answering with recorded replies)', () => {
  let sims: SimulatedMiner[];
  beforeAll(async () => {
    sims = await startMiners(3, ['luxos-s19kpro', 'antminer-s19pro', 'braiins-s19xp'], { transitionMs: 300 });
  });
  afterAll(async () => {
    await Promise.all(sims.map((m) => m.stop()));
  });

  it('reports the miners of its file and curtails and resumes them on command, confirmed by telemetry', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'miners-')), 'miners.yaml');
    writeFileSync(file, stringify(sims.map((m) => m.configEntry())));
    const a = await agent({ gpus: 'none', miners: file });
    expect(a.inventory.gpus).toEqual([]);
    expect(a.inventory.miners.map((m) => [m.firmware, m.model, m.nameplatePowerW])).toEqual([
      ['luxos', 'Antminer S19k Pro', 2760],
      ['antminer', 'Antminer S19 Pro', 3250],
      ['braiins', 'Antminer S19 XP', 3010],
    ]);
    expect((await a.report()).miners.map((m) => [m.state, m.powerW])).toEqual([
      ['MINER_RUN_STATE_MINING', 1051],
      ['MINER_RUN_STATE_MINING', 3267],
      ['MINER_RUN_STATE_MINING', 3137],
    ]);
    const ids = a.inventory.miners.map((m) => m.id);
    await bus.send(a.nodeId, { kind: 'miners', commandId: `cur-${a.nodeId}`, issuedAt: Date.now(), minerIds: [ids[0]!, ids[2]!], action: 'curtail' });
    await until('curtailed', async () => {
      const r = await a.report();
      return r.miners[0]!.state === 'MINER_RUN_STATE_CURTAILED' && r.miners[2]!.state === 'MINER_RUN_STATE_CURTAILED';
    });
    const r = await a.report();
    expect(r.miners.map((m) => [m.hashrateThs, m.powerW])).toEqual([
      [0, 15],
      [110.6, 3267],
      [0, 15],
    ]);
    await bus.send(a.nodeId, { kind: 'miners', commandId: `res-${a.nodeId}`, issuedAt: Date.now(), minerIds: [ids[0]!], action: 'resume' });
    await until('resumed', async () => (await a.report()).miners[0]!.state === 'MINER_RUN_STATE_MINING');
  });
});
