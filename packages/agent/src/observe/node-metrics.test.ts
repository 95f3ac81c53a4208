import { describe, expect, it } from 'vitest';
import type { NodeInventory, NodeReport } from '@wattpack/common';
import { NodeMetrics } from './node-metrics.js';

const inventory: NodeInventory = {
  gpus: [0, 1].map((index) => ({ index, uuid: `GPU-aaaa-${index}`, model: 'H100', memoryMib: 81559, minPowerLimitW: 200, maxPowerLimitW: 700, defaultPowerLimitW: 700 })),
  miners: [{ id: 'm1', model: 'S19 XP', endpoint: '10.0.0.9:4028', nameplatePowerW: 3010, nameplateHashrateThs: 140, firmware: 'stock' }],
  host: { hostname: 'gpu-host-7', cpuCores: 64, memoryMib: 1 << 20, os: 'linux', idlePowerW: 1000, busyPowerW: 2500 },
};

const report = (t: number, running: boolean, xidReason = ''): NodeReport => ({
  timestampMs: t,
  gpus: [
    { index: 0, powerDrawW: 300, utilizationPct: 97, temperatureC: 61, memoryUsedMib: 40_000, enforcedLimitW: 450, health: 'HEALTH_OK', healthReason: '' },
    { index: 1, powerDrawW: 70, health: xidReason ? 'HEALTH_FAILED' : 'HEALTH_OK', healthReason: xidReason },
  ],
  miners: [{ id: 'm1', hashrateThs: 139.5, powerW: 3001, state: 'MINER_RUN_STATE_MINING', reason: '' }],
  attempts: running ? [{ jobId: 'j-1', attemptId: 'j-1-a1', gpuIndices: [0], startedAtMs: t - 5000 }] : [],
});

describe("the agent's metrics under DCGM-exporter's names", () => {
  it('labels GPUs like DCGM, the job only while it runs, integrates energy and reads the last XID', async () => {
    let now = Date.now();
    let next = report(now, true);
    const metrics = new NodeMetrics(inventory, async () => next, 60_000);
    metrics.observe(report(now - 2000, true));
    metrics.observe(report(now - 1000, true));
    metrics.observe(next);
    let text = await metrics.registry.metrics();
    expect(text).toContain('DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-aaaa-0",modelName="H100",Hostname="gpu-host-7",hpc_job="j-1"} 300');
    expect(text).toContain('DCGM_FI_DEV_POWER_USAGE{gpu="1",UUID="GPU-aaaa-1",modelName="H100",Hostname="gpu-host-7"} 70');
    // Two seconds at 300 W and at 70 W, in mJ.
    expect(text).toContain('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",UUID="GPU-aaaa-0",modelName="H100",Hostname="gpu-host-7",hpc_job="j-1"} 600000');
    expect(text).toContain('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="1",UUID="GPU-aaaa-1",modelName="H100",Hostname="gpu-host-7"} 140000');
    expect(text).toMatch(/^DCGM_FI_DEV_GPU_UTIL\{gpu="0",.*\} 97$/m);
    expect(text).not.toMatch(/^DCGM_FI_DEV_GPU_UTIL\{gpu="1",/m); // unknown is left out, never 0
    expect(text).toContain('wattpack_miner_hashrate_terahashes{miner="m1",model="S19 XP",Hostname="gpu-host-7"} 139.5');
    expect(text).toContain('wattpack_miner_curtailed{miner="m1",model="S19 XP",Hostname="gpu-host-7"} 0');

    // The job ended and GPU 1 logged a fatal XID: no series names the job any more.
    now += 1000;
    next = report(now, false, 'XID 79 (GPU has fallen off the bus): needs a GPU reset or service');
    metrics.observe(next);
    text = await metrics.registry.metrics();
    expect(text).not.toContain('hpc_job');
    expect(text).toMatch(/^DCGM_FI_DEV_XID_ERRORS\{gpu="1",.*\} 79$/m);
    expect(text).toMatch(/^DCGM_FI_DEV_XID_ERRORS\{gpu="0",.*\} 0$/m);
  });

  it('samples once per scrape when its last sample is stale, and skips a gap as unknown energy', async () => {
    let samples = 0;
    const base = Date.now();
    const metrics = new NodeMetrics(inventory, async () => (samples++, report(Date.now(), false)), 1000);
    metrics.observe(report(base - 60_000, false));
    await metrics.registry.metrics();
    expect(samples).toBe(1);
    expect(await metrics.registry.metrics()).toMatch(/^DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION\{gpu="0",.*\} 0$/m);
  });
});
