import { afterEach, describe, expect, it } from 'vitest';
import { BraiinsDriver } from './firmware/braiins.js';
import { CgminerDriver } from './firmware/cgminer.js';
import { LuxosDriver } from './firmware/luxos.js';
import { accessOf } from './fleet.js';
import { hashrateThs } from './parse-telemetry.js';
import { parseEndpoint, rpcCommand } from './rpc-client.js';
import { SimulatedMiner, type SimMinerOptions } from './simulator.js';

const miners: SimulatedMiner[] = [];
afterEach(async () => {
  await Promise.all(miners.splice(0).map((m) => m.stop()));
});

async function sim(opts: SimMinerOptions): Promise<SimulatedMiner> {
  const m = new SimulatedMiner({ transitionMs: 150, ...opts });
  await m.start();
  miners.push(m);
  return m;
}

const access = (m: SimulatedMiner, extra: Record<string, unknown> = {}) => accessOf({ firmware: 'auto', ...(m.configEntry() as { endpoint: string }), ...extra }, 1000);
const rpc = (m: SimulatedMiner, command: string, timeoutMs = 1000) => rpcCommand(parseEndpoint(m.rpcEndpoint), command, undefined, timeoutMs);

describe('cgminer RPC client against the simulator', () => {
  it.each(['nul', 'newline', 'close', 'none'] as const)('reads a reply that ends with %s', async (terminator) => {
    const m = await sim({ kind: 'antminer-s19pro', terminator });
    // The recorded replies are pretty-printed: a newline inside must not end the read.
    expect(hashrateThs(await rpc(m, 'summary'))).toBeCloseTo(110.567, 3);
  });

  it('repairs "}{", trailing commas and inf on top of the recorded replies', async () => {
    const m = await sim({ kind: 'luxos-s19kpro', quirks: ['concat', 'trailing-comma', 'inf'] });
    const summary = await rpc(m, 'summary');
    // "GHS av" became inf (absent); "GHS 5s" still reads.
    expect(hashrateThs(summary)).toBeCloseTo(59.756, 3);
    expect((await rpc(m, 'stats')).STATS).toHaveLength(2);
  });

  it('turns each misbehaviour into a clear error of the right kind', async () => {
    const m = await sim({ kind: 'antminer-s19pro' });
    const kindOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: { kind: string; message: string }) => `${e.kind}: ${e.message}`);
    await m.misbehave({ mode: 'slow', delayMs: 600 });
    expect(await kindOf(rpc(m, 'summary', 300))).toBe(`timeout: no reply to "summary" from ${m.rpcEndpoint} within 300 ms`);
    await m.misbehave({ mode: 'hang' });
    expect(await kindOf(rpc(m, 'summary', 300))).toMatch(/^timeout: /);
    await m.misbehave({ mode: 'truncate' });
    expect(await kindOf(rpc(m, 'summary'))).toMatch(/^malformed: truncated reply/);
    await m.misbehave({ mode: 'malformed' });
    expect(await kindOf(rpc(m, 'summary'))).toMatch(/^malformed: not JSON/);
    await m.misbehave({ mode: 'ok' });
    expect(await kindOf(rpc(m, 'bogus'))).toBe('status: bogus: miner answered E: Invalid command');
    await m.misbehave({ mode: 'down' });
    expect(await kindOf(rpc(m, 'summary'))).toBe(`refused: connection refused by ${m.rpcEndpoint}`);
    await m.misbehave({ mode: 'ok' });
    expect(await kindOf(rpc(m, 'summary'))).toBe('ok');
  });
});

describe('firmware drivers against the simulator', () => {
  it('LuxOS: measured power; curtail sleeps and wakes within a logon session; confirmed by telemetry', async () => {
    const m = await sim({ kind: 'luxos-s19kpro' });
    const d = new LuxosDriver(access(m));
    expect(await d.read()).toMatchObject({ model: 'Antminer S19k Pro', powerW: 1051, powerSource: 'measured', chipTemperaturesC: [47, 47, 47], fansRpm: [1920, 1920, 2340, 2340] });
    expect((await d.read()).hashrateThs).toBeCloseTo(59.756, 3);
    expect((await d.read()).profiles?.[0]).toEqual({ name: '190MHz', watts: 784, hashrateThs: 39.2 });
    await d.curtail();
    const [logon, curtail, logoff] = m.received.slice(-3);
    expect(logon).toBe('logon');
    expect(curtail).toMatch(/^curtail [0-9a-f]{16},sleep$/);
    expect(logoff).toBe(`logoff ${curtail!.split(' ')[1]!.split(',')[0]}`);
    await expect.poll(async () => (await d.read()).hashrateThs).toBe(0);
    expect((await d.read()).powerW).toBe(15);
    await d.resume();
    expect(m.received.at(-2)).toMatch(/,wakeup$/);
    await expect.poll(async () => (await d.read()).powerW).toBe(1051);
  });

  it('Braiins OS REST: login, stats, pause and resume; wrong credentials are an auth error', async () => {
    const m = await sim({ kind: 'braiins-s19xp', credentials: { username: 'root', password: 'secret' } });
    const d = new BraiinsDriver(access(m));
    expect(await d.read()).toMatchObject({ model: 'Antminer S19 XP', powerW: 3137, powerSource: 'measured', paused: false });
    await d.curtail();
    await expect.poll(async () => (await d.read()).paused).toBe(true);
    expect(await d.read()).toMatchObject({ hashrateThs: 0, powerW: 15 });
    await d.resume();
    await expect.poll(async () => (await d.read()).hashrateThs).toBeGreaterThan(140);
    expect(m.received.filter((r) => r === 'POST /api/v1/auth/login')).toHaveLength(1);
    const wrong = new BraiinsDriver(access(m, { credentials: { username: 'root', password: 'nope' } }));
    await expect(wrong.read()).rejects.toMatchObject({ kind: 'auth', message: expect.stringMatching(/^login: HTTP 401|401/) });
  });

  it('stock Antminer: no power field (estimated from the nameplate); sleeps through the web config with digest auth', async () => {
    const m = await sim({ kind: 'antminer-s19pro' });
    const d = new CgminerDriver('antminer', access(m, { model: 'Antminer S19 Pro' }));
    expect(await d.read()).toMatchObject({ model: 'Antminer S19 Pro', powerW: 3267, powerSource: 'estimated', fansRpm: [6000, 5880, 5040, 5040] });
    await d.curtail();
    expect(m.received.filter((r) => r.startsWith('GET /cgi-bin') || r.startsWith('POST /cgi-bin'))).toEqual([
      'GET /cgi-bin/get_miner_conf.cgi',
      'GET /cgi-bin/get_miner_conf.cgi',
      'POST /cgi-bin/set_miner_conf.cgi',
      'POST /cgi-bin/set_miner_conf.cgi',
    ]);
    // bmminer restarts: the API is down for a moment, then the recorded sleeping S19 answers.
    await expect(d.read()).rejects.toMatchObject({ kind: 'refused' });
    await expect.poll(() => d.read().then((r) => r.hashrateThs, () => undefined)).toBe(0);
    expect(await d.read()).toMatchObject({ powerW: 15, powerSource: 'estimated' });
    const wrong = new CgminerDriver('antminer', access(m, { credentials: { username: 'root', password: 'nope' } }));
    await expect(wrong.resume()).rejects.toMatchObject({ kind: 'auth' });
  });

  it('S21 reports chain_power; VNish cannot be curtailed over RPC', async () => {
    const s21 = await sim({ kind: 'antminer-s21' });
    expect(await new CgminerDriver('antminer', access(s21)).read()).toMatchObject({ model: 'Antminer S21', powerW: 3250, powerSource: 'measured' });
    const vnish = await sim({ kind: 'vnish-s19xp' });
    const d = new CgminerDriver('vnish', access(vnish));
    expect(await d.read()).toMatchObject({ model: 'Antminer S19 XP', powerW: 3016, powerSource: 'estimated' });
    await expect(d.curtail()).rejects.toMatchObject({ kind: 'unsupported' });
  });
});
