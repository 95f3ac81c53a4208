import { describe, expect, it } from 'vitest';
import { meterSchema } from '@wattpack/common';
import { MeterTracker } from './tracker.js';

const config = meterSchema.parse({ host: 'm', preset: 'eastron-sdm630' });
const ok = (watts: number, at: number) => ({ ok: true as const, watts, at });
const fail = (reason: string, at: number) => ({ ok: false as const, reason, at });

describe('MeterTracker', () => {
  it('counts the median measured/modeled of good readings as a factor, so one noisy reading does not move it', () => {
    const t = new MeterTracker(config);
    expect(t.current).toMatchObject({ trusted: false, correctionW: 0 });
    // The meter reads 8 % above a 10 MW model, with one spike.
    const readings = [10.8e6, 10.81e6, 12.5e6, 10.79e6, 10.8e6];
    readings.forEach((w, i) => t.sample(ok(w, i * 1000), 10e6));
    expect(t.current.trusted).toBe(true);
    expect(t.current.correctionW).toBeCloseTo(0.8e6, -3);
    expect(t.current.factor).toBeCloseTo(1.08, 9);
    expect(t.current).toMatchObject({ measuredW: 10.8e6, modeledW: 10e6, errorW: 0.8e6, reason: '' });
  });

  it('never counts below the model: a meter reading under it leaves the model as it is', () => {
    const t = new MeterTracker(config);
    for (let i = 0; i < 5; i++) t.sample(ok(9e6, i * 1000), 10e6);
    expect(t.current).toMatchObject({ trusted: true, errorW: -1e6, correctionW: 0 });
  });

  it('refuses garbage and 10x jumps with a reason, holding the last good correction while it is fresh', () => {
    const t = new MeterTracker(config);
    for (let i = 0; i < 5; i++) t.sample(ok(10.5e6, i * 1000), 10e6);
    const nan = t.sample(ok(Number.NaN, 5000), 10e6);
    expect(nan).toMatchObject({ trusted: true, measuredW: 10.5e6 });
    expect(nan.correctionW).toBeCloseTo(0.5e6, 0);
    expect(nan.factor).toBeCloseTo(1.05, 9);
    expect(nan.reason).toMatch(/garbage \(NaN W\)/);
    expect(t.sample(ok(-5, 5500), 10e6).reason).toMatch(/garbage \(-5 W\)/);
    const jump = t.sample(ok(105e6, 6000), 10e6);
    expect(jump.reason).toMatch(/105\.000 MW, more than 3x off the model's 10\.000 MW: ignored/);
    expect(jump.correctionW).toBeCloseTo(0.5e6, 0);
    // Against the last good reading too, when the model moved with it (a wrong scale after a swap).
    expect(t.sample(ok(2e6, 6500), 4e6).reason).toMatch(/jumped from 10\.500 MW to 2\.000 MW/);
  });

  it('falls back to the model plus a margin (or the last correction, if larger) once the meter is stale, and recovers', () => {
    const t = new MeterTracker(config);
    for (let i = 0; i < 3; i++) t.sample(ok(10.2e6, i * 1000), 10e6);
    expect(t.current.correctionW).toBeCloseTo(0.2e6, -3);
    expect(t.sample(fail('meter 10.0.0.5:502 did not answer: Timed out', 4000), 10e6).trusted).toBe(true);
    const stale = t.sample(fail('meter 10.0.0.5:502 did not answer: Timed out', 8000), 10e6);
    expect(stale.trusted).toBe(false);
    expect(stale.reason).toBe('meter 10.0.0.5:502 did not answer: Timed out; no good reading for 6s: counting the model plus 5 %');
    expect(stale.correctionW).toBeCloseTo(0.05 * 10e6, 0);
    expect(stale.measuredW).toBe(10.2e6);
    // A larger last correction is the safer state: it is kept.
    const big = new MeterTracker(config);
    big.sample(ok(11e6, 0), 10e6);
    expect(big.sample(fail('down', 10_000), 10e6).correctionW).toBeCloseTo(1e6, 0);
    // Good readings again: trusted, and the correction follows them.
    expect(t.sample(ok(10.3e6, 9000), 10e6)).toMatchObject({ trusted: true, reason: '' });
  });

  it('is not trusted before its first good reading', () => {
    const t = new MeterTracker(config);
    const s = t.sample(fail('meter m:502 did not answer: connect ECONNREFUSED', 0), 8e6);
    expect(s).toMatchObject({ trusted: false, factor: 1.05 });
    expect(s.correctionW).toBeCloseTo(0.4e6, 0);
    expect(s.reason).toMatch(/ECONNREFUSED; no good reading yet: counting the model plus 5 %/);
  });
});
