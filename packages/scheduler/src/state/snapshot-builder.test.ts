import { describe, expect, it } from 'vitest';
import type { NodeInventory, NodeReport } from '@wattpack/common';
import { inventory, run, setup, spec } from '../testing/live-scheduler.js';

const withMiners = (): NodeInventory => ({
  ...inventory(0),
  miners: ['m0', 'm1'].map((id) => ({ id, model: 'Antminer S19 XP', endpoint: `sim://${id}`, nameplatePowerW: 3010, nameplateHashrateThs: 140, firmware: 'simulated' })),
});
const minerReport = (curtailed: string[]): NodeReport => ({
  timestampMs: Date.now(),
  gpus: [],
  miners: ['m0', 'm1'].map((id) => (curtailed.includes(id) ? { id, hashrateThs: 0, powerW: 10, state: 'MINER_RUN_STATE_CURTAILED', reason: 'curtailed' } : { id, hashrateThs: 140, powerW: 3010, state: 'MINER_RUN_STATE_MINING', reason: '' })),
  attempts: [],
  ended: [],
});

describe('the snapshot the core plans from', () => {
  it('marks the GPUs a job holds with the job and its limit, and only those', async () => {
    const { scheduler, settle } = await setup();
    const job = await scheduler.submit(spec({ gpus: 2 }));
    await settle();
    await run(scheduler, job.id);
    const placed = scheduler.getJob(job.id).assignments[0]!;
    const node = scheduler.snapshot().nodes.find((n) => n.id === placed.nodeId)!;
    const held = node.gpus.filter((g) => g.jobId !== undefined);
    expect(held.map((g) => g.index).sort()).toEqual([...placed.gpuIndices].sort());
    expect(held.every((g) => g.jobId === job.id && g.limitW === scheduler.getJob(job.id).powerLimitW)).toBe(true);
    const other = scheduler.snapshot().nodes.find((n) => n.id !== placed.nodeId)!;
    expect(other.gpus.every((g) => g.jobId === undefined)).toBe(true);
  });

  it('shares an idle node\'s views between passes, and marks the miners its last report says are curtailed', async () => {
    const { scheduler, settle } = await setup();
    await scheduler.registerNode({ nodeId: 'm', labels: {}, inventory: withMiners() });
    const before = scheduler.snapshot().nodes.find((n) => n.id === 'a')!;
    expect(scheduler.snapshot().nodes.find((n) => n.id === 'a')!.gpus).toBe(before.gpus);
    await scheduler.report('m', minerReport(['m1']));
    await settle();
    expect(scheduler.snapshot().nodes.find((n) => n.id === 'm')!.miners.map((m) => [m.id, m.curtailed])).toEqual([
      ['m0', false],
      ['m1', true],
    ]);
    await scheduler.report('m', minerReport([]));
    expect(scheduler.snapshot().nodes.find((n) => n.id === 'm')!.miners.every((m) => !m.curtailed)).toBe(true);
  });
});
