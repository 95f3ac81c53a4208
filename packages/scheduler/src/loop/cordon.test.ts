import { describe, expect, it } from 'vitest';
import { createLogger, defaultSiteConfig, type NodeInventory } from '@wattpack/common';
import { Scheduler } from './scheduler.js';

/** Placement is about the node's flags here, not its GPUs. */
const inventory: NodeInventory = { gpus: [], miners: [], host: { hostname: 'h', cpuCores: 64, memoryMib: 1 << 20, os: 'linux', idlePowerW: 1000, busyPowerW: 2500 } };

describe('cordon', () => {
  it('takes nodes out of placement (running jobs stay: test/e2e/cli-habits.test.ts), and never turns a drain back into a cordon', async () => {
    const scheduler = new Scheduler({
      site: defaultSiteConfig(),
      jobs: new Map(),
      nodes: new Map(),
      log: createLogger('test', 'silent'),
      ports: { putJob: async () => {}, putNode: async () => {}, putSite: async () => {}, openNode: async () => {}, sendCommand: async () => {} },
    });
    for (const id of ['a', 'b', 'c']) await scheduler.registerNode({ nodeId: id, labels: {}, inventory });
    const drain = (id: string) => scheduler.listNodes().find((n) => n.record.id === id)!.record.drain;

    await scheduler.drain({ nodeIds: ['c'] }, { reason: 'PSU', by: 'ops', migrate: true, force: false });
    await scheduler.cordon({ nodeIds: ['a', 'c'] }, { reason: ' ', by: 'olga' });
    expect(drain('a')).toMatchObject({ state: 'CORDONED', reason: 'cordoned', by: 'olga', migrate: false, force: false });
    expect(drain('c')).toMatchObject({ state: 'DRAINING', reason: 'PSU', by: 'ops' });
    expect(scheduler.snapshot().nodes.filter((n) => n.schedulable).map((n) => n.id)).toEqual(['b']);
    await expect(scheduler.cordon({ nodeIds: ['nope'] }, { reason: '', by: 'olga' })).rejects.toThrow('no node with id nope');
    await expect(scheduler.cordon({ nodeIds: ['b'] }, { reason: 'x'.repeat(501), by: 'olga' })).rejects.toThrow('reason: at most 500 characters (it is shown with the node), not 501');
    await expect(scheduler.drain({ nodeIds: ['b'] }, { reason: 'x'.repeat(501), by: 'olga', migrate: true, force: false })).rejects.toThrow('reason: at most 500 characters');

    await scheduler.cordon({ nodeIds: ['b'] }, { reason: 'firmware', by: 'olga' });
    expect(drain('b')).toMatchObject({ state: 'CORDONED', reason: 'firmware' });
    await scheduler.uncordon({ nodeIds: ['a', 'b', 'c'] });
    expect(['a', 'b', 'c'].map(drain)).toEqual([undefined, undefined, undefined]);
  });
});
