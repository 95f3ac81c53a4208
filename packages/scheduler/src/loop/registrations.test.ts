import { describe, expect, it } from 'vitest';
import { createLogger, defaultSiteConfig, type NodeRecord } from '@wattpack/common';
import { H100X8, memoryPorts } from '../testing/live.js';
import { Scheduler } from './scheduler.js';

describe('registrations', () => {
  it('a fleet registering at once stores its nodes side by side, not one store write after the other', async () => {
    let writing = 0;
    let most = 0;
    const scheduler = new Scheduler({
      site: defaultSiteConfig(),
      jobs: new Map(),
      nodes: new Map(),
      log: createLogger('test', 'silent'),
      ports: {
        ...memoryPorts(),
        putNode: async () => {
          most = Math.max(most, ++writing);
          await new Promise((r) => setTimeout(r, 50));
          writing--;
        },
      },
    });
    const ids = Array.from({ length: 20 }, (_, i) => `n${i}`);
    const records = await Promise.all(ids.map((nodeId) => scheduler.registerNode({ nodeId, labels: {}, inventory: H100X8 })));
    expect(records.map((r) => r.id)).toEqual(ids);
    expect(scheduler.listNodes().filter((n) => n.record.status === 'READY')).toHaveLength(20);
    expect(most).toBeGreaterThan(1);
  });

  it('a node that lost its stream and registered again on a new one stays READY, whichever is applied first', async () => {
    let slow = false;
    const scheduler = new Scheduler({
      site: defaultSiteConfig(),
      jobs: new Map(),
      nodes: new Map(),
      log: createLogger('test', 'silent'),
      ports: { ...memoryPorts(), putNode: async () => void (slow && (await new Promise((r) => setTimeout(r, 50)))) },
    });
    const reg = (nodeId: string) => scheduler.registerNode({ nodeId, labels: {}, inventory: H100X8 });
    const tick = () => new Promise((r) => setImmediate(r));
    await reg('a');
    slow = true;
    // A group of registrations is being stored; the next group waits behind it.
    const b = reg('b');
    await tick();
    const c = reg('c');
    await tick();
    // a's old stream ends, then a registers on a new one: its registration joins c's group, queued before the loss.
    const lost = scheduler.nodeLost('a', 'agent disconnected');
    const again = reg('a');
    await Promise.all([b, c, lost, again]);
    expect(scheduler.listNodes().find((n) => n.record.id === 'a')!.record.status).toBe('READY');
  });

  it('a stopped scheduler leaves a node whose stream ends as it is: no store write, still READY for the next leader', async () => {
    const stored: string[] = [];
    let now = Date.now();
    const scheduler = new Scheduler({ site: defaultSiteConfig(), jobs: new Map(), nodes: new Map(), log: createLogger('test', 'silent'), now: () => now, ports: { ...memoryPorts(), putNode: async (n) => void stored.push(`${n.id} ${n.status}`) } });
    await scheduler.registerNode({ nodeId: 'a', labels: {}, inventory: H100X8 });
    await scheduler.registerNode({ nodeId: 'b', labels: {}, inventory: H100X8 });
    now += 1000;
    await scheduler.nodeLost('a', 'agent disconnected');
    expect(stored).toEqual(['a READY', 'b READY', 'a NOT_READY']);
    scheduler.stop();
    await scheduler.nodeLost('b', 'agent disconnected');
    expect(stored).toEqual(['a READY', 'b READY', 'a NOT_READY']);
    expect(scheduler.listNodes().find((n) => n.record.id === 'b')!.record.status).toBe('READY');
  });

  it('a registration its agent gave up on before it was applied is skipped: no store write, the node stays as it was', async () => {
    const stored: string[] = [];
    const results: string[] = [];
    const scheduler = new Scheduler({
      site: defaultSiteConfig(),
      jobs: new Map(),
      nodes: new Map(),
      log: createLogger('test', 'silent'),
      ports: { ...memoryPorts(), putNode: async (n) => void stored.push(n.id) },
    });
    scheduler.changes.on('registration', (nodeId: string, result: string) => results.push(`${nodeId} ${result}`));
    let wanted = true;
    const given = scheduler.registerNode({ nodeId: 'a', labels: {}, inventory: H100X8, wanted: () => wanted });
    // Its stream ends (the agent timed out and will retry) before the registration is applied.
    wanted = false;
    await expect(given).rejects.toThrow(/ended its stream/);
    const again = await scheduler.registerNode({ nodeId: 'a', labels: {}, inventory: H100X8, wanted: () => true });
    expect(again.status).toBe('READY');
    expect(stored).toEqual(['a']);
    expect(results).toEqual(['a abandoned', 'a stored']);
  });

  it('a node back with the record the store holds (a restart) is READY without a store write; a changed or NOT_READY one is stored', async () => {
    const stored: string[] = [];
    const results: string[] = [];
    let now = 1_000;
    // First term: each node registers once and is stored; its record is what a new term loads.
    const first = new Scheduler({ site: defaultSiteConfig(), jobs: new Map(), nodes: new Map(), log: createLogger('test', 'silent'), now: () => now, ports: memoryPorts() });
    const loaded = new Map<string, NodeRecord>();
    for (const nodeId of ['same', 'relabelled', 'silent']) loaded.set(nodeId, JSON.parse(JSON.stringify(await first.registerNode({ nodeId, labels: { rack: 'r1' }, inventory: H100X8 }))) as NodeRecord);
    loaded.set('silent', { ...loaded.get('silent')!, status: 'NOT_READY', reason: 'no report for 20s' });

    now = 60_000;
    const next = new Scheduler({ site: defaultSiteConfig(), jobs: new Map(), nodes: loaded, log: createLogger('test', 'silent'), now: () => now, ports: { ...memoryPorts(), putNode: async (n) => void stored.push(n.id) } });
    next.changes.on('registration', (nodeId: string, result: string) => results.push(`${nodeId} ${result}`));
    await next.registerNode({ nodeId: 'same', labels: { rack: 'r1' }, inventory: structuredClone(H100X8) });
    await next.registerNode({ nodeId: 'relabelled', labels: { rack: 'r2' }, inventory: H100X8 });
    await next.registerNode({ nodeId: 'silent', labels: { rack: 'r1' }, inventory: H100X8 });
    expect(stored).toEqual(['relabelled', 'silent']);
    expect(results).toEqual(['same unchanged', 'relabelled stored', 'silent stored']);
    const node = (id: string) => next.listNodes().find((n) => n.record.id === id)!.record;
    expect(node('same')).toMatchObject({ status: 'READY', lastSeenAt: 60_000, registeredAt: 1_000 });
    expect(node('silent')).toMatchObject({ status: 'READY', reason: '' });
    expect(node('relabelled').labels).toEqual({ rack: 'r2' });
  });

  it('while a fleet registers in big groups, passes are spaced a second apart, not one per group', async () => {
    const scheduler = new Scheduler({ site: defaultSiteConfig(), jobs: new Map(), nodes: new Map(), log: createLogger('test', 'silent'), ports: memoryPorts() });
    let passes = 0;
    scheduler.changes.on('pass', () => passes++);
    const started = performance.now();
    const groups: Promise<unknown>[] = [];
    // 15 groups of 20 nodes, 100 ms apart: one pass per group would be 15 passes.
    for (let g = 0; g < 15; g++) {
      groups.push(...Array.from({ length: 20 }, (_, i) => scheduler.registerNode({ nodeId: `g${g}-n${i}`, labels: {}, inventory: H100X8 })));
      await new Promise((r) => setTimeout(r, 100));
    }
    await Promise.all(groups);
    await scheduler.settled();
    const seconds = (performance.now() - started) / 1000;
    expect(scheduler.listNodes().filter((n) => n.record.status === 'READY')).toHaveLength(300);
    expect(passes).toBeGreaterThan(0);
    expect(passes).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
  });
});
