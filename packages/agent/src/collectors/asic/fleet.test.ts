import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@wattpack/common';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMinersFile, type MinerConfig } from './config.js';
import { MinerFleet } from './fleet.js';
import { minerState } from './miner-state.js';
import { MinerError } from './parse-rpc.js';
import { startMiners, type SimulatedMiner, type SimKind } from './simulator.js';

const sims: SimulatedMiner[] = [];
const fleets: MinerFleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.splice(0).map((f) => f.stop()));
  await Promise.all(sims.splice(0).map((m) => m.stop()));
});

async function fleetOf(kinds: SimKind[], extra: Partial<Parameters<typeof MinerFleet.open>[0]> = {}, transitionMs = 150) {
  const miners = await startMiners(kinds.length, kinds, { transitionMs });
  sims.push(...miners);
  const configs = miners.map((m) => ({ firmware: 'auto', ...m.configEntry() }) as MinerConfig);
  const fleet = await MinerFleet.open({ miners: configs, pollIntervalMs: 50, timeoutMs: 500, logger: createLogger('test', 'silent'), ...extra });
  fleets.push(fleet);
  return { miners, fleet };
}

describe('miner fleet', () => {
  it('detects each firmware and model, and reports hashrate and power', async () => {
    const { miners, fleet } = await fleetOf(['antminer-s19pro', 'antminer-s21', 'vnish-s19xp', 'luxos-s19kpro', 'braiins-s19xp']);
    expect((await fleet.inventory()).map((i) => [i.firmware, i.model, i.nameplatePowerW, i.nameplateHashrateThs])).toEqual([
      ['antminer', 'Antminer S19 Pro', 3250, 110],
      ['antminer', 'Antminer S21', 3500, 200],
      ['vnish', 'Antminer S19 XP', 3010, 140],
      ['luxos', 'Antminer S19k Pro', 2760, 120],
      ['braiins', 'Antminer S19 XP', 3010, 140],
    ]);
    expect((await fleet.inventory())[0]).toMatchObject({ id: miners[0]!.rpcEndpoint, endpoint: miners[0]!.rpcEndpoint });
    expect(await fleet.sample()).toEqual([
      { id: miners[0]!.rpcEndpoint, hashrateThs: 110.6, powerW: 3267, state: 'MINER_RUN_STATE_MINING', reason: '' },
      { id: miners[1]!.rpcEndpoint, hashrateThs: 203, powerW: 3250, state: 'MINER_RUN_STATE_MINING', reason: '' },
      { id: miners[2]!.rpcEndpoint, hashrateThs: 140.3, powerW: 3016, state: 'MINER_RUN_STATE_MINING', reason: '' },
      { id: miners[3]!.rpcEndpoint, hashrateThs: 59.8, powerW: 1051, state: 'MINER_RUN_STATE_MINING', reason: '' },
      { id: miners[4]!.rpcEndpoint, hashrateThs: 141.5, powerW: 3137, state: 'MINER_RUN_STATE_MINING', reason: '' },
    ]);
  });

  it('curtails and resumes, reporting curtailed only once telemetry shows it', async () => {
    // Slow enough to see the request pending before telemetry shows it.
    const { miners, fleet } = await fleetOf(['luxos-s19kpro', 'braiins-s19xp', 'antminer-s19pro'], {}, 1000);
    fleet.start();
    const ids = miners.map((m) => m.rpcEndpoint);
    await fleet.setMiners(ids, 'curtail');
    // Accepted, not yet done: still mining, with the request as the reason.
    const [lux, bos, stock] = await fleet.sample();
    for (const s of [lux, bos]) expect(s).toMatchObject({ state: 'MINER_RUN_STATE_MINING', reason: expect.stringMatching(/^curtailment requested \d+ s ago, waiting for hashrate and power to fall/) });
    // Stock firmware restarts bmminer: its API may refuse connections meanwhile.
    expect(['MINER_RUN_STATE_MINING', 'MINER_RUN_STATE_OFFLINE']).toContain(stock!.state);
    await expect.poll(async () => (await fleet.sample()).map((s) => s.state), { timeout: 5000 }).toEqual(Array(3).fill('MINER_RUN_STATE_CURTAILED'));
    expect((await fleet.sample()).map((s) => [s.hashrateThs, s.powerW, s.reason])).toEqual([
      [0, 15, 'curtailed'],
      [0, 15, 'curtailed'],
      [0, 15, 'curtailed'],
    ]);
    await fleet.setMiners(ids.slice(0, 1), 'resume');
    await expect.poll(async () => (await fleet.sample())[0]!.state, { timeout: 5000 }).toBe('MINER_RUN_STATE_MINING');
    expect((await fleet.sample())[1]!.state).toBe('MINER_RUN_STATE_CURTAILED');
  });

  it('polls slowly while nothing changes, and at the confirmation interval while a request waits', async () => {
    const { miners, fleet } = await fleetOf(['luxos-s19kpro'], { pollIntervalMs: 60_000, confirmPollIntervalMs: 50 });
    fleet.start();
    const polls = () => miners[0]!.received.filter((c) => c === 'power').length;
    const before = polls();
    await new Promise((r) => setTimeout(r, 400));
    expect(polls()).toBe(before);
    await fleet.setMiners([miners[0]!.rpcEndpoint], 'curtail');
    await expect.poll(async () => (await fleet.sample())[0]!.state).toBe('MINER_RUN_STATE_CURTAILED');
    expect(polls()).toBeGreaterThan(before + 1);
  });

  it('reports unreachable miners offline and bad replies as errors, naming the cause; rejects unknown ids', async () => {
    const { miners, fleet } = await fleetOf(['antminer-s19pro', 'luxos-s19kpro']);
    fleet.start();
    await miners[0]!.misbehave({ mode: 'down' });
    await miners[1]!.misbehave({ mode: 'malformed' });
    await expect.poll(async () => (await fleet.sample()).map((s) => s.state)).toEqual(['MINER_RUN_STATE_OFFLINE', 'MINER_RUN_STATE_ERROR']);
    const [down, bad] = await fleet.sample();
    expect(down!.reason).toBe(`connection refused by ${miners[0]!.rpcEndpoint}`);
    expect(bad!.reason).toMatch(/^not JSON/);
    expect(down).not.toHaveProperty('hashrateThs');
    await expect(fleet.setMiners(['nope'], 'curtail')).rejects.toThrow(/no miner "nope" on this node/);
    await expect(fleet.setMiners([miners[0]!.rpcEndpoint], 'curtail')).rejects.toThrow(/curtail failed: .*connection refused/);
  });

  it('a curtailment that does not show in telemetry becomes an error', async () => {
    const { miners, fleet } = await fleetOf(['luxos-s19kpro'], { confirmMs: 200 });
    fleet.start();
    // The miner acknowledges, but never goes to sleep.
    await miners[0]!.misbehave({ mode: 'ok' });
    (miners[0] as unknown as { goTo(s: boolean): void }).goTo = () => {};
    await fleet.setMiners([miners[0]!.rpcEndpoint], 'curtail');
    await expect.poll(async () => (await fleet.sample())[0]!.state).toBe('MINER_RUN_STATE_ERROR');
    expect((await fleet.sample())[0]!.reason).toMatch(/^curtailment not confirmed after \d+ s: 59\.8 TH\/s, 1051 W$/);
  });
});

describe('miner state', () => {
  const plate = { hashrateThs: 110, powerW: 3250 };
  it('needs both hashrate and power near zero to count a curtailment', () => {
    const reading = (hashrateThs: number | undefined, powerW: number | undefined) => ({ chipTemperaturesC: [], fansRpm: [], ...(hashrateThs !== undefined ? { hashrateThs } : {}), ...(powerW !== undefined ? { powerW } : {}) });
    const request = { action: 'curtail' as const, atMs: 0 };
    expect(minerState({ id: 'm', nameplate: plate, reading: reading(0, 15), request }, 1000, 60_000).state).toBe('MINER_RUN_STATE_CURTAILED');
    expect(minerState({ id: 'm', nameplate: plate, reading: reading(0, 2900), request }, 1000, 60_000).state).toBe('MINER_RUN_STATE_MINING');
    expect(minerState({ id: 'm', nameplate: plate, reading: reading(0, undefined), request }, 1000, 60_000).state).toBe('MINER_RUN_STATE_MINING');
    expect(minerState({ id: 'm', nameplate: plate, reading: reading(0, 15) }, 1000, 60_000)).toMatchObject({ state: 'MINER_RUN_STATE_CURTAILED', reason: 'not hashing (0.0 TH/s, 15 W) though not curtailed by wattpack' });
    expect(minerState({ id: 'm', nameplate: plate, error: new MinerError('status', 'summary: miner answered E: x') }, 0, 1).state).toBe('MINER_RUN_STATE_ERROR');
    expect(minerState({ id: 'm', nameplate: plate, error: new MinerError('timeout', 't') }, 0, 1).state).toBe('MINER_RUN_STATE_OFFLINE');
  });
});

describe('miners file', () => {
  const file = (text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'miners-')), 'miners.yaml');
    writeFileSync(path, text);
    return path;
  };

  it('reads a list of miners with defaults', () => {
    const path = file('- endpoint: 10.0.0.5\n- endpoint: 10.0.0.6:4029\n  firmware: luxos\n  model: Antminer S19k Pro\n- endpoint: "[fd00::7]"\n  firmware: braiins\n  credentials: { username: root, password: secret }\n');
    expect(loadMinersFile(path)).toEqual([
      { endpoint: '10.0.0.5', firmware: 'auto' },
      { endpoint: '10.0.0.6:4029', firmware: 'luxos', model: 'Antminer S19k Pro' },
      { endpoint: '[fd00::7]', firmware: 'braiins', credentials: { username: 'root', password: 'secret' } },
    ]);
  });

  it('names what is wrong', () => {
    expect(() => loadMinersFile(file('- endpoint: 10.0.0.5\n  firmware: whatsminer\n'))).toThrow(/miners file .*: 0\.firmware: /);
    expect(() => loadMinersFile(file('- endpoint: "a b"\n'))).toThrow(/0\.endpoint: use host or host:port/);
    expect(() => loadMinersFile(file('- endpoint: 10.0.0.5\n  colour: red\n'))).toThrow(/unknown field\(s\) "colour"/);
    expect(() => loadMinersFile(file('- endpoint: 10.0.0.5\n- endpoint: 10.0.0.5\n'))).toThrow(/miner "10.0.0.5" is listed twice/);
    expect(() => loadMinersFile(file('[]\n'))).toThrow(/list at least one miner/);
  });
});
