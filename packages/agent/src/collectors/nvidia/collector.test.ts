import { createLogger } from '@wattpack/common';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeNvidia, type FakeNvidiaOptions } from '../../../test-fixtures/fake-nvidia.js';
import { NvidiaPowerLimits } from '../../power/nvidia-power.js';
import { NvidiaCollector } from './collector.js';
import { XidWatcher } from './kernel-log.js';
import { nvidiaSmi, nvidiaSmiFollower } from './nvidia-smi.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A collector and power control over the fake nvidia-smi (and dmesg) on PATH. */
async function open(opts: FakeNvidiaOptions = {}, timeoutMs = 5000) {
  const fake = fakeNvidia(opts);
  cleanups.push(fake.cleanup);
  const smi = nvidiaSmi({ env: fake.env, timeoutMs });
  const xids = new XidWatcher({ env: fake.env });
  xids.start();
  cleanups.push(() => xids.stop());
  const collector = await NvidiaCollector.open(smi, { xids });
  const power = new NvidiaPowerLimits({ smi, gpus: await collector.inventory(), readLimits: (i) => collector.readLimits(i), logger: createLogger('test', 'silent'), retryMs: 0 });
  collector.watchPower(power);
  return { fake, smi, collector, power };
}

describe('NVIDIA collector on real captures', () => {
  it('H200 (driver 580, as root): inventory and telemetry exactly as captured', async () => {
    const { collector } = await open({ capture: 'h200' });
    expect(await collector.inventory()).toEqual([
      { index: 0, uuid: 'GPU-a25f2e3e-327d-28d8-a1f7-89fa5236bb38', model: 'NVIDIA H200', memoryMib: 143771, minPowerLimitW: 200, maxPowerLimitW: 700, defaultPowerLimitW: 700 },
    ]);
    expect(await collector.sample()).toEqual([
      // utilization.gpu "0 %" is a real 0; the capture has no reading the fake would invent.
      { index: 0, powerDrawW: 107.99, enforcedLimitW: 700, utilizationPct: 0, temperatureC: 36, memoryUsedMib: 0, health: 'HEALTH_OK', healthReason: '', powerCapped: false },
    ]);
    const [d] = await collector.details();
    expect(d).toMatchObject({ busId: '00000000:00:06.0', smClockMhz: 345, maxSmClockMhz: 1980, memoryClockMhz: 3201, memoryTemperatureC: 37, eccUncorrectedVolatile: 0, migEnabled: false, clockEventReasons: ['gpu_idle'], mig: [] });
  });

  it('H100 under load, and an L40S whose memory temperature reads N/A', async () => {
    const h100 = await open({ capture: 'h100-load' });
    // 632 W under 700 W: the job, not the limit, bounds the draw (clocks_event_reasons.active 0x0).
    expect(await h100.collector.sample()).toEqual([{ index: 0, powerDrawW: 631.95, enforcedLimitW: 700, utilizationPct: 100, temperatureC: 59, memoryUsedMib: 19818, health: 'HEALTH_OK', healthReason: '', powerCapped: false }]);
    const l40s = await open({ capture: 'l40s' });
    expect((await l40s.collector.inventory())[0]).toMatchObject({ model: 'NVIDIA L40S', memoryMib: 46068, minPowerLimitW: 100, maxPowerLimitW: 350, defaultPowerLimitW: 350 });
    const [d] = await l40s.collector.details();
    expect(d!.temperatureC).toBe(63);
    expect(d).not.toHaveProperty('memoryTemperatureC');
    expect(d).toMatchObject({ remappedRowsPending: false, remappedRowsFailure: false, recoveryAction: 'None' });
  });

  it('H100 with MIG: utilization is absent (not 0), power and temperature stay per GPU, MIG children from -L', async () => {
    const { collector } = await open({ capture: 'h100-mig-load' });
    const [s] = await collector.sample();
    expect(s).toEqual({ index: 0, powerDrawW: 433.78, enforcedLimitW: 700, temperatureC: 53, memoryUsedMib: 11125, health: 'HEALTH_OK', healthReason: '', powerCapped: false });
    const [d] = await collector.details();
    expect(d!.migEnabled).toBe(true);
    expect(d!.mig.map((m) => m.profile)).toEqual(['3g.40gb', '2g.20gb', '1g.10gb', '1g.10gb']);
  });

  it('H200 under GEMM at a 400 W limit (power trace): power-capped', async () => {
    const { collector, power } = await open({ capture: 'h200', trace: 'nvidia/h200-2026-11/power-trace.csv:350' });
    await power.setGpuLimits([0], 400);
    expect((await collector.sample())[0]).toMatchObject({ powerDrawW: 397.43, enforcedLimitW: 400, utilizationPct: 99, powerCapped: true });
  });

  it('drops fields the driver does not know and fills power readings from -q -x', async () => {
    const { fake, collector } = await open({ capture: 'h200', unknown: ['enforced.power.limit', 'power.draw', 'gpu_recovery_action', 'clocks_event_reasons.active'] });
    const queries = fake.calls().filter((a) => a[0]?.startsWith('--query-gpu='));
    // The first query names all fields; each refusal drops one.
    expect(queries[0]![0]).toContain('enforced.power.limit');
    expect(queries.at(-1)![0]).not.toMatch(/enforced\.power\.limit|power\.draw|gpu_recovery_action/);
    const [s] = await collector.sample();
    expect(s).toMatchObject({ powerDrawW: 101.28, enforcedLimitW: 700, temperatureC: 36, health: 'HEALTH_OK' });
    // Without the clock event reasons, whether the limit holds the GPU back is unknown: absent, not false.
    expect(s).not.toHaveProperty('powerCapped');
  });

  it('eight GPUs in one query', async () => {
    const { fake, collector } = await open({ capture: 'h100', gpus: 8 });
    const before = fake.calls().length;
    const states = await collector.sample();
    expect(states.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set((await collector.inventory()).map((g) => g.uuid)).size).toBe(8);
    expect(fake.calls().length - before).toBe(1);
  });

  it('fails to open, naming the problem, when nvidia-smi does not work', async () => {
    await expect(open({ fail: 'NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.' })).rejects.toThrow(
      "cannot read NVIDIA GPUs: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
    );
    const fake = fakeNvidia();
    cleanups.push(fake.cleanup);
    await expect(NvidiaCollector.open(nvidiaSmi({ command: 'no-such-nvidia-smi', env: fake.env }))).rejects.toThrow('nvidia-smi not found');
  });

  it('a hung nvidia-smi times out: unknown at first, failed if it lasts; telemetry absent meanwhile', async () => {
    const { fake, collector } = await open({ capture: 'h200' }, 1000);
    fake.hang(true);
    const [first] = await collector.sample();
    expect(first).toEqual({ index: 0, health: 'HEALTH_UNSPECIFIED', healthReason: expect.stringMatching(/^nvidia-smi: nvidia-smi --query-gpu=index,uuid,.* timed out after 1000 ms$/) });
    fake.hang(false);
    fake.set({ fail: 'Unable to determine the device handle for GPU0000:00:06.0: Unknown Error' });
    await collector.sample();
    const [third] = await collector.sample();
    expect(third).toMatchObject({ health: 'HEALTH_FAILED', healthReason: 'nvidia-smi: Unable to determine the device handle for GPU0000:00:06.0: Unknown Error' });
    fake.set({ fail: undefined });
    expect((await collector.sample())[0]).toMatchObject({ health: 'HEALTH_OK', powerDrawW: 107.99 });
  });

  it('streams from one looping nvidia-smi; a loop that goes quiet is replaced, and the GPUs say why meanwhile', async () => {
    const { fake, collector, power } = await open({ capture: 'h100-load', gpus: 2 });
    collector.startStreaming(nvidiaSmiFollower({ env: fake.env }), 200);
    cleanups.push(() => collector.stopStreaming());
    expect((await collector.sample()).map((s) => s.powerDrawW)).toEqual([631.95, 631.95]);
    const queries = () => fake.calls().filter((a) => a[0]!.startsWith('--query-gpu=') && !a.includes('-i'));
    const before = queries().length;
    await power.setGpuLimits([1], 450);
    await expect.poll(async () => (await collector.sample()).map((s) => s.enforcedLimitW)).toEqual([700, 450]);
    // One process serves every sample.
    expect(queries().length - before).toBe(1);
    expect(queries().at(-1)).toContain('-lms');

    fake.hang(true);
    await expect.poll(async () => (await collector.sample())[0]!.health, { timeout: 5000 }).toBe('HEALTH_UNSPECIFIED');
    expect((await collector.sample())[0]!.healthReason).toMatch(/^nvidia-smi: /);
    await collector.sample();
    expect((await collector.sample())[0]!.health).toBe('HEALTH_FAILED');
    fake.hang(false);
    await expect.poll(async () => (await collector.sample())[1], { timeout: 5000 }).toMatchObject({ health: 'HEALTH_OK', enforcedLimitW: 450 });
    expect(queries().length - before).toBeGreaterThan(1);
  });

  it('an XID that needs a reset in the kernel log fails the GPU at that bus id', async () => {
    const { collector } = await open({
      capture: 'h200',
      dmesg: ['[    5.1] nvidia: loading out-of-tree module', '[ 8812.2] NVRM: Xid (PCI:0000:00:06): 79, pid=\'<unknown>\', name=<unknown>, GPU has fallen off the bus.', '[ 8813.0] NVRM: Xid (PCI:0000:00:06): 13, Graphics Exception'],
    });
    await expect.poll(async () => (await collector.sample())[0]!.health).toBe('HEALTH_FAILED');
    expect((await collector.sample())[0]!.healthReason).toBe("XID 79 (pid='<unknown>', name=<unknown>, GPU has fallen off the bus.): needs a GPU reset or service");
    expect(collector.xidWatchProblem()).toBeUndefined();
  });
});

describe('NVIDIA power limits through nvidia-smi -pl', () => {
  it('sets, verifies against enforced.power.limit, and restores the default', async () => {
    const { fake, collector, power } = await open({ capture: 'h100', gpus: 4 });
    await power.setGpuLimits([1, 2], 400);
    expect(fake.powerLimitCalls()).toEqual(['1,2 400.00']);
    const states = await collector.sample();
    expect(states.map((s) => s.enforcedLimitW)).toEqual([700, 400, 400, 700]);
    await power.setGpuLimits([1, 2], 0);
    expect(fake.powerLimitCalls()).toEqual(['1,2 400.00', '1,2 700.00']);
    expect((await collector.sample()).map((s) => s.enforcedLimitW)).toEqual([700, 700, 700, 700]);
  });

  it('rejects an out-of-range limit or unknown GPU without running nvidia-smi -pl', async () => {
    const { fake, power } = await open({ capture: 'l40s' });
    await expect(power.setGpuLimits([0], 400)).rejects.toThrow('power limit 400 W for GPU 0 (NVIDIA L40S) must be between 100 W and 350 W');
    await expect(power.setGpuLimits([3], 300)).rejects.toThrow('no GPU 3 on this node (GPUs: 0)');
    expect(fake.powerLimitCalls()).toEqual([]);
  });

  it.each([
    ['denied', /GPU 0: 400 W: insufficient permissions: the agent needs root/],
    ['unsupported', /GPU 0: 400 W: Changing power management limit is not supported for GPU: 00000000:00:06.0\./],
    ['ignored', /GPU 0: asked for 400 W, nvidia-smi reports power.limit 700 W, enforced.power.limit 700 W/],
  ] as const)('nvidia-smi -pl %s: the call fails with the reason and the GPU reports it as failed health', async (pl, reason) => {
    const { fake, collector, power } = await open({ capture: 'h200', pl });
    await expect(power.setGpuLimits([0], 400)).rejects.toThrow(reason);
    const [s] = await collector.sample();
    expect(s!.health).toBe('HEALTH_FAILED');
    expect(s!.healthReason).toMatch(/^power limit not applied: /);
    expect(s!.healthReason).toMatch(reason);
    // Once nvidia-smi works again, the next sample's retry clears the condition (each sample
    // starts the fake, a Node script: on a loaded machine that takes more than poll's default 1 s).
    fake.set({ pl: 'ok' });
    await collector.sample();
    await expect.poll(async () => (await collector.sample())[0]!.health, { timeout: 30_000 }).toBe('HEALTH_OK');
  });

  it('a change under way is not taken for drift, even with samples streaming in during it', async () => {
    const { fake, collector, power } = await open({ capture: 'h200' });
    collector.startStreaming(nvidiaSmiFollower({ env: fake.env }), 50);
    cleanups.push(() => collector.stopStreaming());
    await power.setGpuLimits([0], 400);
    await new Promise((r) => setTimeout(r, 600));
    expect(fake.powerLimitCalls()).toEqual(['0 400.00']);
    expect((await collector.sample())[0]!.enforcedLimitW).toBe(400);
  });

  it('re-applies limits that a driver reload reset', async () => {
    const { fake, collector, power } = await open({ capture: 'h200' });
    await power.setGpuLimits([0], 450);
    fake.reloadDriver();
    expect((await collector.sample())[0]!.enforcedLimitW).toBe(700);
    await expect.poll(async () => (await collector.sample())[0]!.enforcedLimitW).toBe(450);
    expect(fake.powerLimitCalls()).toEqual(['0 450.00', '0 450.00']);
  });
});
