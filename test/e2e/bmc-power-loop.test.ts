import { afterEach, describe, expect, it } from 'vitest';
import { startRedfishSimulator, type RedfishSimulator, type RedfishSimulatorOptions } from '@wattpack/agent';
import { createLogger, defaultSiteConfig, powerSavingSchema, type NodeInventory, type NodeRecord, type PowerSavingInput } from '@wattpack/common';
import { RedfishNodePower, Scheduler, type RedfishBmc } from '@wattpack/scheduler';
import { siteSplit } from '@wattpack/scheduler/core';
import { until } from '../../packages/scheduler/src/testing/live.js';

/**
 * The live loop's power saving (loop/node-power.ts) against real Redfish BMCs on loopback
 * (the agent's simulator): a live scheduler in this process with stores in memory and a
 * clock the test moves, so idle timers and resume timeouts pass at once.
 */

const creds = { username: 'wattpack', password: 's3cret-bmc' };
const log = createLogger('test', 'silent');
const H100X8: NodeInventory = {
  gpus: Array.from({ length: 8 }, (_, index) => ({ index, uuid: `GPU-${index}`, model: 'H100', memoryMib: 81559, minPowerLimitW: 200, maxPowerLimitW: 700, defaultPowerLimitW: 700 })),
  miners: [],
  host: { hostname: 'h', cpuCores: 64, memoryMib: 1 << 20, os: 'linux', idlePowerW: 1000, busyPowerW: 2500 },
};

const opened: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
});

async function bmc(bootMs = 0, ignoreResets: RedfishSimulatorOptions['ignoreResets'] = []): Promise<RedfishSimulator> {
  const sim = await startRedfishSimulator({ inputW: () => 1500, ...creds, bootMs, ignoreResets });
  opened.push(sim);
  return sim;
}

/** A scheduler whose node `a` has the given BMC and `b` none; the clock is `clock.now`. */
async function site(bmcs: Record<string, RedfishBmc>, powerSaving: PowerSavingInput = {}, nodes = new Map<string, NodeRecord>()) {
  const clock = { now: Date.now() };
  const stored = new Map<string, NodeRecord>();
  const scheduler = new Scheduler({
    site: { ...defaultSiteConfig(), powerSaving: powerSavingSchema.parse({ enabled: true, suspendAfter: 60, resumeTime: 1, resumeTimeout: 120, ...powerSaving }) },
    jobs: new Map(),
    nodes,
    log,
    now: () => clock.now,
    nodePower: new RedfishNodePower(new Map(Object.entries(bmcs))),
    ports: { putJob: async () => {}, deleteJob: async () => {}, putNode: async (n) => void stored.set(n.id, n), putSite: async () => {}, openNode: async () => {}, sendCommand: async () => {} },
  });
  opened.push({ close: () => scheduler.stop() });
  const register = (id: string) => scheduler.registerNode({ nodeId: id, labels: {}, inventory: H100X8 });
  const node = (id: string) => scheduler.listNodes().find((n) => n.record.id === id)!.record;
  /** Moves the clock, then waits for a pass to bring node `id` to `power`. */
  const power = async (id: string, state: string, advanceS = 0) => {
    // What a pass reads now starts idle timers (as the periodic pass would), before the clock moves on.
    scheduler.snapshot();
    clock.now += advanceS * 1000;
    return until(`${id} ${state}`, () => {
      scheduler.requestCycle();
      return (node(id).power?.state ?? 'on') === state && node(id);
    });
  };
  return { scheduler, clock, stored, register, node, power };
}

const endpoint = (sim: RedfishSimulator, password = creds.password): RedfishBmc => ({ url: sim.url, ca: sim.ca, username: creds.username, password });

describe('power saving in the live loop, through Redfish BMCs', () => {
  it('powers an idle server off after suspendAfter, and on again for a job that needs it; one without a BMC stays on', async () => {
    const sim = await bmc();
    const s = await site({ a: endpoint(sim) });
    await s.register('a');
    await s.register('b');
    await s.scheduler.report('a', { timestampMs: s.clock.now, gpus: H100X8.gpus.map((g) => ({ index: g.index, powerDrawW: 70, health: 'HEALTH_OK' as const, healthReason: '' })), miners: [], attempts: [] });
    expect(s.scheduler.listNodes().find((n) => n.record.id === 'a')!.report).toBeDefined();
    const off = await s.power('a', 'off', 61);
    expect(sim.powerState()).toBe('Off');
    expect(off).toMatchObject({ status: 'NOT_READY', power: { state: 'off', by: 'wattpack', reason: expect.stringMatching(/^idle \d+ s \(suspendAfter 60 s\)$/) } });
    expect(s.stored.get('a')?.power?.state).toBe('off');
    expect(s.node('b').power).toBeUndefined();
    expect(s.scheduler.snapshot().nodes.find((n) => n.id === 'a')).toMatchObject({ power: 'off', standbyW: 40, schedulable: true });
    expect(s.scheduler.listNodes().find((n) => n.record.id === 'a')!.report).toBeUndefined(); // nothing measured while off

    // Silent past its lease and the failover lease: a server that is off is not lost.
    s.clock.now += 120_000;
    await s.scheduler.checkLeases();
    expect(s.node('a').reason).toBe('powered off');
    expect(s.node('b')).toMatchObject({ status: 'NOT_READY', reason: 'no report for 181s' }); // b has no agent in this test: lost
    await s.register('b');

    const job = await s.scheduler.submit(JSON.stringify({ name: 'big', command: ['true'], gpus: 8, nodes: 2 }));
    await s.power('a', 'resuming');
    await until('the BMC to power the server on', () => sim.powerState() === 'On');
    expect(s.scheduler.getJob(job.id).state).toBe('PENDING');
    await s.register('a'); // its agent is back
    expect(s.node('a').power).toBeUndefined();
    await until('the job placed on both servers', () => s.scheduler.getJob(job.id).state === 'STARTING');
  });

  it('refuses an operator for a busy node, an unknown node, a node without a BMC, or with power saving off; suspends and resumes an idle one', async () => {
    const sim = await bmc();
    const s = await site({ a: endpoint(sim) }, { suspendAfter: 'never' });
    await s.register('a');
    const job = await s.scheduler.submit(JSON.stringify({ name: 'one', command: ['true'], gpus: 8 }));
    await until('placed on a', () => s.scheduler.getJob(job.id).state === 'STARTING');
    await expect(s.scheduler.setNodePower('a', 'suspend', 'olga')).rejects.toThrow(`node a runs 1 job(s) (${job.id}): drain it first (wattpack drain a), then suspend it`);
    const { attemptId } = s.scheduler.getJob(job.id);
    await s.scheduler.handleEvent({ kind: 'started', nodeId: 'a', jobId: job.id, attemptId, at: 1 });
    await s.scheduler.handleEvent({ kind: 'exited', nodeId: 'a', jobId: job.id, attemptId, at: 2, exitCode: 0 });
    await until('the job done', () => s.scheduler.getJob(job.id).state === 'SUCCEEDED');

    expect((await s.scheduler.setNodePower('a', 'suspend', 'olga')).power).toMatchObject({ state: 'suspending', by: 'olga', reason: 'powered off by olga' });
    await s.power('a', 'off');
    expect(sim.powerState()).toBe('Off');
    expect((await s.scheduler.setNodePower('a', 'resume', 'olga')).power).toMatchObject({ state: 'resuming', by: 'olga', reason: 'powered on by olga' });
    await until('the BMC to power the server on', () => sim.powerState() === 'On');

    await s.register('b');
    await expect(s.scheduler.setNodePower('gpu-9', 'suspend', 'olga')).rejects.toThrow(/no node gpu-9/);
    await expect(s.scheduler.setNodePower('b', 'suspend', 'olga')).rejects.toThrow(/node b has no BMC in site setting powerSaving.bmcs/);
    const disabled = await site({ a: endpoint(sim) }, { enabled: false });
    await disabled.register('a');
    await expect(disabled.scheduler.setNodePower('a', 'suspend', 'olga')).rejects.toThrow(/power saving is off \(site setting powerSaving.enabled\)/);
  });

  it('keeps a server on, with the reason, when its BMC refuses the credentials', async () => {
    const sim = await bmc();
    const s = await site({ a: endpoint(sim, 'wrong') }, { suspendAfter: 'never' });
    await s.register('a');
    await s.scheduler.setNodePower('a', 'suspend', 'olga');
    const back = await until('the failed power-off', () => s.node('a').power?.state === 'on' && s.node('a'));
    expect(back.power?.reason).toMatch(/^power-off failed: BMC of a: GET \/redfish\/v1\/Systems: HTTP 401 \(check the BMC credentials file\); not tried again for 60 s$/);
    expect(back.status).toBe('READY');
    expect(sim.powerState()).toBe('On');
  });

  it('leaves a server whose power-off failed alone for a minute, then its idle timer tries again', async () => {
    const sim = await bmc();
    const s = await site({ a: endpoint(sim, 'wrong') }, { suspendAfter: 10 });
    await s.register('a');
    s.scheduler.snapshot();
    s.clock.now += 11_000;
    await until('the failed power-off', () => {
      s.scheduler.requestCycle();
      return /^power-off failed/.test(s.node('a').power?.reason ?? '');
    });
    s.scheduler.snapshot();
    s.clock.now += 11_000; // its idle timer is due again, but the minute is not over
    expect(s.scheduler.preview().plan.nodePower.suspend).toEqual([]);
    s.clock.now += 50_000;
    expect(s.scheduler.preview().plan.nodePower.suspend).toEqual(['a']);
  });

  it('retries a power-on its BMC does not answer, then marks the server down after resumeTimeout', async () => {
    const sim = await bmc();
    const s = await site({ a: endpoint(sim) }, { suspendAfter: 'never' });
    await s.register('a');
    await s.scheduler.setNodePower('a', 'suspend', 'olga');
    await s.power('a', 'off');
    await sim.close(); // the BMC is unreachable from now on
    await s.scheduler.setNodePower('a', 'resume', 'olga');
    const failing = await until('the failed power-on', () => /^power-on failed: BMC of a: .*; trying again in 2 s$/.test(s.node('a').power?.reason ?? '') && s.node('a'));
    expect(failing.power?.state).toBe('resuming');
    s.clock.now += 121_000;
    // The dry run (wattpack plan) shows it, changing nothing.
    expect(s.scheduler.preview().plan.nodePower.down).toEqual(['a']);
    expect(s.node('a').power?.state).toBe('resuming');
    const down = await s.power('a', 'down');
    expect(down).toMatchObject({ status: 'NOT_READY', power: { reason: 'not back within resumeTimeout (120 s) of its power-on' } });
    expect(s.scheduler.snapshot().nodes.find((n) => n.id === 'a')).toMatchObject({ schedulable: false });
  });

  it('a new leader loads a server that is off as off: not lost past the failover lease, and powered on for work', async () => {
    const sim = await bmc();
    const before = await site({ a: endpoint(sim) });
    await before.register('a');
    await before.power('a', 'off', 61);
    before.scheduler.stop();

    const next = await site({ a: endpoint(sim) }, {}, new Map([...before.stored]));
    next.clock.now += 61_000 + 60_000;
    await next.scheduler.checkLeases();
    expect(next.node('a')).toMatchObject({ status: 'NOT_READY', reason: 'powered off', power: { state: 'off' } });
    expect(next.scheduler.snapshot().nodes[0]).toMatchObject({ id: 'a', power: 'off' });
    await next.scheduler.submit(JSON.stringify({ name: 'one', command: ['true'], gpus: 8 }));
    await next.power('a', 'resuming');
    await until('the BMC to power the server on', () => sim.powerState() === 'On');
  });

  it('counts a server on until its BMC reads it off: one whose OS ignores GracefulShutdown gets ForceOff after suspendTimeout', async () => {
    const sim = await bmc(0, ['GracefulShutdown']);
    const s = await site({ a: endpoint(sim) }, { suspendAfter: 'never', suspendTimeout: 30 });
    await s.register('a');
    const onW = siteSplit(s.scheduler.snapshot()).facilityW;
    await s.scheduler.setNodePower('a', 'suspend', 'olga');
    const waiting = await until('the shutdown accepted', () => /shutting down, waiting for its BMC to read Off$/.test(s.node('a').power?.reason ?? '') && s.node('a'));
    expect(waiting.power?.state).toBe('suspending');
    expect(sim.powerState()).toBe('On');
    // Accepted is not off: the model still counts its idle watts.
    expect(s.scheduler.snapshot().nodes[0]).toMatchObject({ id: 'a', power: 'suspending' });
    expect(siteSplit(s.scheduler.snapshot()).facilityW).toBeCloseTo(onW, 6);
    s.clock.now += 31_000;
    const off = await until('forced off', () => s.node('a').power?.state === 'off' && s.node('a'));
    expect(sim.resets()).toEqual(['GracefulShutdown', 'ForceOff']);
    expect(sim.powerState()).toBe('Off');
    expect(off).toMatchObject({ status: 'NOT_READY', power: { state: 'off', reason: 'powered off by olga', by: 'olga' } });
    expect(siteSplit(s.scheduler.snapshot()).facilityW).toBeLessThan(onW);
  });

  it('marks a server down, still counted on, when its BMC accepts GracefulShutdown and ForceOff and does nothing', async () => {
    const sim = await bmc(0, ['GracefulShutdown', 'ForceOff']);
    const s = await site({ a: endpoint(sim) }, { suspendAfter: 'never', suspendTimeout: 30 });
    await s.register('a');
    const onW = siteSplit(s.scheduler.snapshot()).facilityW;
    await s.scheduler.setNodePower('a', 'suspend', 'olga');
    await until('the shutdown accepted', () => /shutting down/.test(s.node('a').power?.reason ?? ''));
    s.clock.now += 31_000;
    const forcing = await until('ForceOff sent', () => /ForceOff sent$/.test(s.node('a').power?.reason ?? '') && s.node('a'));
    expect(forcing.power).toMatchObject({ state: 'suspending', reason: 'powered off by olga; not off within suspendTimeout (30 s) of GracefulShutdown (its BMC reads PowerState on): ForceOff sent' });
    await until('the BMC sent ForceOff', () => sim.resets().length === 2);
    s.clock.now += 31_000;
    const down = await until('marked down', () => s.node('a').power?.state === 'down' && s.node('a'));
    expect(down).toMatchObject({
      status: 'NOT_READY',
      reason: 'did not power off: its BMC reads PowerState on suspendTimeout (30 s) after ForceOff; counted on, takes no work until its agent registers again',
    });
    expect(sim.resets()).toEqual(['GracefulShutdown', 'ForceOff']);
    expect(sim.powerState()).toBe('On');
    // Its watts still count; it takes no work.
    expect(s.scheduler.snapshot().nodes[0]).toMatchObject({ id: 'a', schedulable: false });
    expect(siteSplit(s.scheduler.snapshot()).facilityW).toBeCloseTo(onW, 6);
  });

  it('a new leader finds a server still shutting down: it sends the shutdown again and waits for Off, keeping why it goes off', async () => {
    const sim = await bmc(0, ['GracefulShutdown']);
    const before = await site({ a: endpoint(sim) }, { suspendAfter: 'never', suspendTimeout: 30 });
    await before.register('a');
    await before.scheduler.setNodePower('a', 'suspend', 'olga');
    await until('the shutdown accepted', () => /shutting down/.test(before.node('a').power?.reason ?? ''));
    before.scheduler.stop();

    const next = await site({ a: endpoint(sim) }, { suspendAfter: 'never', suspendTimeout: 30 }, new Map([...before.stored]));
    await next.scheduler.recover();
    await until('the shutdown sent again', () => sim.resets().length === 2);
    expect(next.node('a').power).toMatchObject({ state: 'suspending', reason: 'powered off by olga; shutting down, waiting for its BMC to read Off' });
    next.clock.now += 31_000;
    const off = await until('forced off', () => next.node('a').power?.state === 'off' && next.node('a'));
    expect(sim.resets()).toEqual(['GracefulShutdown', 'GracefulShutdown', 'ForceOff']);
    expect(off.power).toMatchObject({ reason: 'powered off by olga', by: 'olga' });
  });
});
