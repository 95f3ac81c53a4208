import { describe, expect, it } from 'vitest';
import { SimulatedPowerControl } from '../../power/simulated-power.js';
import { SimulatedCollector } from './collector.js';
import { createSimulatedHardware } from './hardware.js';
import { parseProfile } from './profile.js';

/** A simulated node whose `busy` GPUs run an attempt with `env`. */
function node(profile: string, busy: number[] = [], env: Record<string, string> = {}) {
  const hw = createSimulatedHardware(parseProfile(profile), 'sim-1');
  return { collector: new SimulatedCollector(hw, () => new Map(busy.map((i) => [i, env]))), power: new SimulatedPowerControl(hw) };
}

describe('simulated profiles', () => {
  it('parses GPU servers, miner hosts and their combinations', () => {
    const p = parseProfile('h100x8+s19xp:2');
    expect(p.gpus).toHaveLength(8);
    expect(p.gpus[0]!.model.name).toBe('H100');
    expect(p.miners).toBe(2);
    expect(parseProfile('s19xp').miners).toBe(4);
    expect(parseProfile('H200x8').gpus[7]!.memoryMib).toBe(143771);
  });

  it('rejects unknown parts and bad counts, naming them and the valid profiles', () => {
    expect(() => parseProfile('h100x8+a100x4')).toThrow(/simulate profile "h100x8\+a100x4": unknown part "a100x4"; use h100xN/);
    expect(() => parseProfile('h100x0')).toThrow(/"h100x0": GPU count must be 1-16/);
    expect(() => parseProfile('s19xp:0')).toThrow(/miner count must be/);
  });
});

describe('simulated collector and power control', () => {
  it('describes the hardware with deterministic GPU UUIDs', async () => {
    const inv = await node('h200x8+s19xp:2').collector.inventory();
    expect(inv.gpus).toHaveLength(8);
    expect(inv.gpus[3]).toMatchObject({ index: 3, model: 'H200', memoryMib: 143771, minPowerLimitW: 200, maxPowerLimitW: 700, defaultPowerLimitW: 700 });
    expect(inv.gpus[3]!.uuid).toMatch(/^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((await node('h200x8').collector.inventory()).gpus[3]!.uuid).toBe(inv.gpus[3]!.uuid);
    expect(new Set(inv.gpus.map((g) => g.uuid)).size).toBe(8);
    expect(inv.miners.map((m) => m.id)).toEqual(['sim-1-miner-0', 'sim-1-miner-1']);
    expect(inv.miners[0]).toMatchObject({ nameplatePowerW: 3010, nameplateHashrateThs: 140 });
    expect(inv.host).toMatchObject({ idlePowerW: 1000, busyPowerW: 2500 });
    expect(inv.host.cpuCores).toBeGreaterThan(0);
    expect(inv.host.hostname).not.toBe('');
  });

  it('a busy GPU under a 400 W limit draws what the training curve says; idle ones stay near 110 W', async () => {
    const { collector, power } = node('h100x8', [1]);
    await power.setGpuLimits([1], 400);
    const { gpus } = await collector.sample();
    expect(gpus[1]!.enforcedLimitW).toBe(400);
    expect(gpus[1]!.powerDrawW).toBeGreaterThan(393);
    expect(gpus[1]!.powerDrawW).toBeLessThanOrEqual(400);
    expect(gpus[1]!.utilizationPct).toBeGreaterThan(90);
    expect(gpus[1]!.powerCapped).toBe(true);
    expect(gpus[0]!.enforcedLimitW).toBe(700);
    expect(gpus[0]!.powerCapped).toBe(false);
    expect(gpus[0]!.powerDrawW).toBeGreaterThan(100);
    expect(gpus[0]!.powerDrawW).toBeLessThan(120);
    expect(gpus[0]!.utilizationPct).toBe(0);
  });

  it('a busy GPU at the default limit draws about 648 W; 0 W restores the default', async () => {
    const { collector, power } = node('h100x2', [0]);
    await power.setGpuLimits([0], 300);
    await power.setGpuLimits([0], 0);
    const { gpus } = await collector.sample();
    expect(gpus[0]!.enforcedLimitW).toBe(700);
    expect(gpus[0]!.powerDrawW).toBeGreaterThan(644);
    expect(gpus[0]!.powerDrawW).toBeLessThan(652);
    expect(gpus[0]!.powerCapped).toBe(false);
  });

  it('a job declaring WATTPACK_SIM_DRAW_W=470 draws about that under 700 W, and is capped under 400 W', async () => {
    const { collector, power } = node('h200x2', [0, 1], { WATTPACK_SIM_DRAW_W: '470' });
    await power.setGpuLimits([1], 400);
    for (let i = 0; i < 20; i++) {
      const { gpus } = await collector.sample();
      expect(gpus[0]).toMatchObject({ enforcedLimitW: 700, powerCapped: false });
      expect(Math.abs(gpus[0]!.powerDrawW! - 470)).toBeLessThanOrEqual(2);
      expect(gpus[1]).toMatchObject({ enforcedLimitW: 400, powerCapped: true });
      expect(gpus[1]!.powerDrawW).toBeGreaterThan(390);
      expect(gpus[1]!.powerDrawW).toBeLessThanOrEqual(400);
    }
  });

  it('rejects a limit outside the GPU range, or an unknown GPU, and changes nothing', async () => {
    const { collector, power } = node('h100x2');
    await expect(power.setGpuLimits([0, 1], 150)).rejects.toThrow('power limit 150 W for GPU 0 (H100) must be between 200 W and 700 W');
    await expect(power.setGpuLimits([0], 701)).rejects.toThrow(/between 200 W and 700 W/);
    await expect(power.setGpuLimits([0, 5], 400)).rejects.toThrow('no GPU 5 on this node (GPUs: 0-1)');
    expect((await collector.sample()).gpus.map((g) => g.enforcedLimitW)).toEqual([700, 700]);
  });

  it('curtailed miners report about 0 W and 0 TH/s; resumed ones mine again', async () => {
    const { collector, power } = node('s19xp:3');
    let { miners } = await collector.sample();
    expect(miners.every((m) => m.state === 'MINER_RUN_STATE_MINING' && m.hashrateThs! > 135 && m.powerW! > 2950)).toBe(true);
    await power.setMiners(['sim-1-miner-0', 'sim-1-miner-2'], 'curtail');
    ({ miners } = await collector.sample());
    expect(miners.map((m) => m.state)).toEqual(['MINER_RUN_STATE_CURTAILED', 'MINER_RUN_STATE_MINING', 'MINER_RUN_STATE_CURTAILED']);
    expect(miners[0]!.hashrateThs).toBe(0);
    expect(miners[0]!.powerW).toBeLessThan(50);
    await power.setMiners(['sim-1-miner-0'], 'resume');
    ({ miners } = await collector.sample());
    expect(miners[0]!.hashrateThs).toBeGreaterThan(135);
    await expect(power.setMiners(['nope'], 'curtail')).rejects.toThrow('no miner "nope" on this node (miners: sim-1-miner-0, sim-1-miner-1, sim-1-miner-2)');
  });
});
