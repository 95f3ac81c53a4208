import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@wattpack/common';
import { pollMeter } from '../meter/poll.js';
import { meteredScheduler, until } from '../testing/live.js';

/**
 * The scheduler against a real Modbus TCP meter on loopback that reads the model's
 * facility watts plus an error: the live loop, the poller and the protocol together.
 */
const log = createLogger('test', 'silent');
const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function site(errorFraction: number) {
  const live = await meteredScheduler(log, errorFraction);
  stops.push(live.close);
  return live;
}

const job = (power: object) => JSON.stringify({ name: 'train', command: ['python', 'train.py'], gpus: 8, power });

describe('the facility meter in the live loop', () => {
  it('sheds within seconds when the meter reads 8 % above a model that fits, and shows why', async () => {
    const { scheduler, modelW, meter } = await site(0.08);
    // By the model the job fits at 700 W with 1 % to spare.
    const placedModelW = modelW() + 1.2 * (8 * (700 - 110) + 1500);
    await scheduler.updateSite({ capMw: (placedModelW * 1.01) / 1e6 });
    const j = await scheduler.submit(job({ minWatts: 300, maxWatts: 700 }));
    await until('placement', () => scheduler.getJob(j.id).state === 'STARTING');
    expect(scheduler.getJob(j.id).powerLimitW).toBe(700);
    // The agent's reports: the attempt runs at the limit it was last sent (limits are lowered only on a node that reports).
    const placed = scheduler.getJob(j.id);
    await scheduler.handleEvent({ kind: 'started', nodeId: 'a', jobId: j.id, attemptId: placed.attemptId, at: Date.now() });
    const reports = setInterval(() => {
      const now = scheduler.getJob(j.id);
      const attempt = { jobId: j.id, attemptId: now.attemptId, gpuIndices: now.assignments[0]!.gpuIndices, startedAtMs: 1, enforcedLimitW: now.powerLimitW };
      scheduler.report('a', { timestampMs: Date.now(), gpus: [], miners: [], attempts: [attempt] });
    }, 100);
    stops.push(() => clearInterval(reports));
    await until('telemetry', () => scheduler.snapshot().running[0]?.telemetryLost === undefined);

    const poller = pollMeter(meter, (s) => scheduler.meterSample(s), log);
    stops.push(() => poller.stop());
    const shed = await until('a shed limit', () => scheduler.getJob(j.id).limitHistory?.find((c) => c.why === 'shed'));
    expect(shed.limitW).toBeLessThan(700);
    expect(scheduler.getJob(j.id).preempting).toBeUndefined();
    const status = scheduler.meterStatus()!;
    expect(status.trusted).toBe(true);
    expect(status.errorW! / status.modeledW).toBeGreaterThan(0.07);
    // At the meter (the model plus its error) the site is back under the cap.
    await until('the cap held at the meter', () => modelW() * scheduler.meterStatus()!.factor <= scheduler.effectiveCapW());
  });

  it('falls back to the model plus a margin when the meter stops answering or answers garbage, and recovers', async () => {
    const { scheduler, sim, meter } = await site(0.02);
    const poller = pollMeter(meter, (s) => scheduler.meterSample(s), log);
    stops.push(() => poller.stop());
    await until('a good reading', () => scheduler.meterStatus()?.trusted);
    sim.fault = 'silent';
    const silent = await until('the meter untrusted', () => (scheduler.meterStatus()?.trusted === false ? scheduler.meterStatus() : undefined));
    expect(silent.reason).toMatch(/did not answer: Timed out; no good reading for \ds: counting the model plus 5 %/);
    expect(silent.correctionW).toBeCloseTo(0.05 * silent.modeledW, 0);
    sim.fault = 'garbage';
    await until('garbage named', () => /answered garbage \(NaN W\)/.test(scheduler.meterStatus()!.reason));
    expect(scheduler.meterStatus()!.trusted).toBe(false);
    sim.fault = 'jump';
    await until('the jump named', () => /more than 3x off the model/.test(scheduler.meterStatus()!.reason));
    sim.fault = 'none';
    await until('trusted again', () => scheduler.meterStatus()!.trusted && scheduler.meterStatus()!.reason === '');
  });

  it('takes a relative grid event against the measured baseline (the meter while trusted), and refuses one that has ended', async () => {
    const { scheduler, meter, modelW } = await site(0.1);
    const poller = pollMeter(meter, (s) => scheduler.meterSample(s), log);
    stops.push(() => poller.stop());
    const status = await until('a good reading', () => (scheduler.meterStatus()?.trusted ? scheduler.meterStatus() : undefined));
    const now = Date.now();
    const site_ = await scheduler.updateSite({ addGridEvents: [{ startMs: now, durationS: 3600, capMw: 0, noticeS: 0, reduceFraction: 0.3 }] });
    const event = site_.gridEvents[0]!;
    // The meter reads 10 % above the model: the baseline is the meter's, not the model's.
    expect(event.baselineW! / modelW()).toBeCloseTo(1.1, 1);
    expect(event.capMw * 1e6).toBeCloseTo(0.7 * event.baselineW!, 0);
    expect(Math.abs(event.baselineW! - status.measuredW!) / status.measuredW!).toBeLessThan(0.01);
    await expect(scheduler.updateSite({ addGridEvents: [{ startMs: now - 7200_000, durationS: 3600, capMw: 1, noticeS: 0 }] })).rejects.toThrow(
      /grid event 1: it ended at .*, before now: give a window that is not over/,
    );
    await expect(scheduler.updateSite({ addGridEvents: [{ startMs: now, durationS: 3600, capMw: -2, noticeS: 0 }] })).rejects.toThrow(/gridEvents\.1\.capMw/);
  });
});
