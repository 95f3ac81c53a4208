import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeNvidia } from '../test-fixtures/fake-nvidia.js';
import { startMiners, type SimulatedMiner } from './collectors/asic/simulator.js';
import { runProbe } from './probe.js';

async function probe(target: Parameters<typeof runProbe>[0], json: boolean, env: NodeJS.ProcessEnv = process.env) {
  const io = { stdout: '', stderr: '' };
  const code = await runProbe(target, json, { out: (t) => void (io.stdout += t), err: (t) => void (io.stderr += t) }, env);
  return { code, ...io };
}

describe('wattpack-agent probe --gpus', () => {
  it('prints each GPU as the agent reads it, and exits 0', async () => {
    const fake = fakeNvidia({ capture: 'h100-mig-load' });
    const r = await probe({ gpus: true }, false, fake.env);
    fake.cleanup();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('GPU 0  NVIDIA H100 80GB HBM3  GPU-00000000-0000-0000-0000-000000000000  00000000:00:09.0');
    expect(r.stdout).toContain('power        433.78 W of 700 W enforced (requested 700 W; range 200 W-700 W, default 700 W)');
    expect(r.stdout).toContain('utilization  ? ');
    expect(r.stdout).toContain('MIG          enabled: 3g.40gb (device 0, MIG-00000000-0000-0000-0000-000000000000)');
    expect(r.stdout).toContain('kernel log: 0 XID line(s)');
  });

  it('prints JSON, and exits 1 for a GPU that needs a reset', async () => {
    const fake = fakeNvidia({ capture: 'h200', dmesg: ['NVRM: Xid (PCI:0000:00:06): 79, GPU has fallen off the bus.'] });
    const r = await probe({ gpus: true }, true, fake.env);
    fake.cleanup();
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { gpus: Record<string, unknown>[]; xids: unknown[] };
    expect(out.gpus[0]).toMatchObject({ index: 0, model: 'NVIDIA H200', maxPowerLimitW: 700, powerDrawW: 107.99, health: 'HEALTH_FAILED' });
    expect(out.xids).toEqual([{ pci: '0000:00:06', xid: 79, detail: 'GPU has fallen off the bus.' }]);
  });

  it('exits 1 with the reason when nvidia-smi does not work', async () => {
    const fake = fakeNvidia({ fail: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." });
    const r = await probe({ gpus: true }, false, fake.env);
    fake.cleanup();
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: "wattpack-agent probe: cannot read NVIDIA GPUs: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n" });
  });
});

describe('wattpack-agent probe --miner', () => {
  let sims: SimulatedMiner[];
  beforeAll(async () => {
    sims = await startMiners(2, ['luxos-s19kpro', 'braiins-s19xp']);
  });
  afterAll(async () => {
    await Promise.all(sims.map((m) => m.stop()));
  });

  it('detects the firmware and prints hashrate, power, temperatures and state', async () => {
    const r = await probe({ miner: sims[0]!.rpcEndpoint }, false);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('firmware     luxos');
    expect(r.stdout).toContain('model        Antminer S19k Pro (nameplate 120 TH/s, 2760 W)');
    expect(r.stdout).toContain('state        mining');
    expect(r.stdout).toContain('hashrate     59.76 TH/s');
    expect(r.stdout).toContain('power        1051 W (measured)');
    expect(r.stdout).toContain('chips        47, 47, 47 C');
  });

  it('reads Braiins OS through REST with credentials from the environment, as JSON', async () => {
    const env = { ...process.env, WATTPACK_MINER_USERNAME: 'root', WATTPACK_MINER_PASSWORD: 'root' };
    const r = await probe({ miner: sims[1]!.rpcEndpoint, firmware: 'braiins', web: sims[1]!.webUrl }, true, env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ firmware: 'braiins', model: 'Antminer S19 XP', reading: { powerW: 3137, paused: false }, state: { state: 'MINER_RUN_STATE_MINING' } });
  });

  it('exits 1 naming the problem for a miner that does not answer', async () => {
    const r = await probe({ miner: '127.0.0.1:1' }, false);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('state        OFFLINE: connection refused by 127.0.0.1:1');
  });
});
