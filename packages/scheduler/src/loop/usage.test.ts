import { describe, expect, it } from 'vitest';
import { createLogger, defaultSiteConfig, type Job, type NodeInventory, type UsageRecord } from '@wattpack/common';
import { Scheduler } from './scheduler.js';

const log = createLogger('test', 'silent');

function inventory(gpus: number): NodeInventory {
  return {
    gpus: Array.from({ length: gpus }, (_, index) => ({ index, uuid: `GPU-${index}`, model: 'H100', memoryMib: 81559, minPowerLimitW: 200, maxPowerLimitW: 700, defaultPowerLimitW: 700 })),
    miners: [],
    host: { hostname: 'h', cpuCores: 64, memoryMib: 1 << 20, os: 'linux', idlePowerW: 1000, busyPowerW: 2400 },
  };
}

/** A scheduler on a clock the test moves, whose accounting stream is an array (or fails while `down`). */
async function setup() {
  let now = 1_000_000;
  const published: UsageRecord[] = [];
  const stored: Job[] = [];
  const bus = { down: false };
  const site = { ...defaultSiteConfig(), pue: 1.25, prices: { energyPerMwh: 80, gpuHour: 2, currency: 'EUR' } };
  const scheduler = new Scheduler({
    site,
    jobs: new Map(),
    nodes: new Map(),
    log,
    now: () => now,
    ports: {
      putJob: async (j) => void stored.push(j),
      deleteJob: async () => {},
      putNode: async () => {},
      putSite: async () => {},
      openNode: async () => {},
      sendCommand: async () => {},
      publishUsage: async (r) => {
        if (bus.down) throw new Error('NATS down');
        published.push(r);
      },
    },
  });
  await scheduler.registerNode({ nodeId: 'a', labels: {}, inventory: inventory(8) });
  const tick = (ms: number) => (now += ms);
  /** One report from node a: each of the job's GPUs draws `w`. */
  const report = (job: Job, w: number) =>
    scheduler.report('a', {
      timestampMs: now,
      gpus: Array.from({ length: 8 }, (_, index) => ({ index, powerDrawW: job.assignments[0]!.gpuIndices.includes(index) ? w : 60, health: 'HEALTH_OK' as const, healthReason: '' })),
      miners: [],
      attempts: [{ jobId: job.id, attemptId: job.attemptId, gpuIndices: job.assignments[0]!.gpuIndices, startedAtMs: now, maxDrawW: w }],
    });
  /** A submitted job once placed, and its `started` event applied unless `start` is false. */
  const placed = async (specJson: string, start = true) => {
    const job = await scheduler.submit(specJson);
    for (let i = 0; i < 100 && scheduler.getJob(job.id).state !== 'STARTING'; i++) await new Promise((r) => setTimeout(r, 10));
    const j = scheduler.getJob(job.id);
    if (start) await scheduler.handleEvent({ kind: 'started', nodeId: 'a', jobId: j.id, attemptId: j.attemptId, at: now });
    return scheduler.getJob(job.id);
  };
  return { scheduler, published, stored, bus, tick, report, placed, get now() { return now; } };
}

const spec = JSON.stringify({ name: 'train', command: ['python', 'train.py'], gpus: 4 });

describe('accounting in the live loop', () => {
  it('records an ended attempt: energy integrated from measured draw, host share, PUE and cost', async () => {
    const t = await setup();
    const job = await t.placed(spec);
    // 10 reports a minute apart: 400 W per GPU for 5 minutes, then 600 W.
    for (let i = 1; i <= 10; i++) {
      t.tick(60_000);
      await t.report(job, i <= 5 ? 400 : 600);
    }
    t.tick(30_000); // the exit comes half a minute after the last report: held at its last draw
    await t.scheduler.handleEvent({ kind: 'exited', nodeId: 'a', jobId: job.id, attemptId: job.attemptId, at: t.now, exitCode: 0 });
    expect(t.published).toHaveLength(1);
    const r = t.published[0]!;
    const hours = 630 / 3600;
    const gpuWh = 4 * (400 * 5 * 60 + 600 * 5.5 * 60) / 3600;
    expect(r).toMatchObject({ jobId: job.id, attemptId: job.attemptId, state: 'SUCCEEDED', exitCode: 0, gpus: 4, nodes: ['a'], preempted: false, workLostGpuHours: 0 });
    expect(r.gpuHours).toBeCloseTo(4 * hours, 9);
    expect(r.gpuKwh).toBeCloseTo(gpuWh / 1000, 9);
    expect(r.hostKwh).toBeCloseTo((2400 * 4) / 8 * hours / 1000, 9);
    expect(r.facilityKwh).toBeCloseTo(1.25 * (r.gpuKwh + r.hostKwh), 9);
    expect(r.peakW).toBe(2400);
    expect(r.meanW).toBeCloseTo((gpuWh * 3600) / 630, 6);
    expect(r.measuredS).toBe(540);
    expect(r.cost).toEqual({ energy: expect.closeTo((r.facilityKwh / 1000) * 80, 9), gpu: expect.closeTo(r.gpuHours * 2, 9), total: expect.closeTo((r.facilityKwh / 1000) * 80 + r.gpuHours * 2, 9), currency: 'EUR' });
    // Once on the stream, the record leaves the job.
    expect(t.scheduler.getJob(job.id).pendingUsage).toBeUndefined();
  });

  it("stores a job's started and exited that come together in one write, and still records and shows each", async () => {
    const t = await setup();
    const job = await t.placed(spec, false);
    const writes = t.stored.length;
    const seen: string[] = [];
    t.scheduler.changes.on('job', (j: Job) => j.id === job.id && seen.push(j.state));
    // A short job: both events arrive while the queue is busy, so they are taken in one turn.
    const startedAt = t.now;
    t.tick(90_000);
    const started = t.scheduler.handleEvent({ kind: 'started', nodeId: 'a', jobId: job.id, attemptId: job.attemptId, at: startedAt });
    const exited = t.scheduler.handleEvent({ kind: 'exited', nodeId: 'a', jobId: job.id, attemptId: job.attemptId, at: t.now, exitCode: 0 });
    await Promise.all([started, exited]);
    expect(t.stored.slice(writes).filter((j) => j.id === job.id).map((j) => j.state)).toEqual(['SUCCEEDED']);
    expect(seen).toEqual(['RUNNING', 'SUCCEEDED']);
    expect(t.scheduler.getJob(job.id)).toMatchObject({ state: 'SUCCEEDED', startedAt });
    // The record counts from the started event, which was never stored on its own.
    expect(t.published.map((r) => [r.state, r.gpuHours])).toEqual([['SUCCEEDED', expect.closeTo((4 * 90) / 3600, 9)]]);
  });

  it('an attempt lost with its node is REQUEUED, with the work since its last checkpoint lost', async () => {
    const t = await setup();
    const job = await t.placed(spec);
    for (let i = 0; i < 15; i++) {
      t.tick(60_000);
      await t.report(job, 500);
    }
    t.tick(61_000); // past nodeLostSeconds (60 s): the attempt is lost and the job requeued
    await t.scheduler.checkLeases();
    expect(t.published.map((r) => [r.state, r.attempt, r.preempted])).toEqual([['REQUEUED', 1, true]]);
    // 920 s ran; a checkpoint every 600 s (the policy's interval) bounds what is lost.
    expect(t.published[0]!.workLostGpuHours).toBeCloseTo((4 * 600) / 3600, 9);
    expect(t.published[0]!.reason).toMatch(/lost on a/);
    expect(t.scheduler.getJob(job.id).state).toBe('PENDING');
  });

  it('keeps a record with its job while the stream is down, and sends it on recovery', async () => {
    const t = await setup();
    const job = await t.placed(spec);
    t.tick(10_000);
    await t.report(job, 300);
    t.bus.down = true;
    await t.scheduler.handleEvent({ kind: 'exited', nodeId: 'a', jobId: job.id, attemptId: job.attemptId, at: t.now, exitCode: 3 });
    expect(t.published).toEqual([]);
    const kept = t.scheduler.getJob(job.id).pendingUsage;
    expect(kept?.map((r) => [r.state, r.exitCode])).toEqual([['FAILED', 3]]);
    // The stored job carries it: a restart would find it there.
    expect(t.stored.at(-1)!.pendingUsage).toEqual(kept);
    t.bus.down = false;
    await t.scheduler.recover();
    expect(t.published).toEqual(kept);
    expect(t.scheduler.getJob(job.id).pendingUsage).toBeUndefined();
  });

  it('orders two teams by their decayed usage from the accounting store, and shows it as `wattpack shares` does', async () => {
    const t = await setup();
    t.scheduler.setHistory({ a: { gpuHours: 90, facilityKwh: 45 }, b: { gpuHours: 10, facilityKwh: 5 } });
    await t.scheduler.drain({ nodeIds: ['a'] }, { reason: 'hold', by: 'test', migrate: false, force: false }); // no start until both are queued
    const a = await t.scheduler.submit(JSON.stringify({ name: 'a', team: 'a', command: ['x'], gpus: 8 }));
    const b = await t.scheduler.submit(JSON.stringify({ name: 'b', team: 'b', command: ['x'], gpus: 8 }));
    const shares = t.scheduler.shares();
    expect(shares.map((s) => [s.team, s.normalizedUsage])).toEqual([['a', 0.9], ['b', 0.1]]);
    expect(shares[0]!.factor).toBeCloseTo(2 ** -(0.9 / 0.5), 12);
    await t.scheduler.uncordon({ nodeIds: ['a'] });
    for (let i = 0; i < 100 && t.scheduler.getJob(b.id).state !== 'STARTING'; i++) await new Promise((r) => setTimeout(r, 10));
    // One 8-GPU node: b, which used less, starts though a asked first.
    expect([t.scheduler.getJob(a.id).state, t.scheduler.getJob(b.id).state]).toEqual(['PENDING', 'STARTING']);
  });
});
