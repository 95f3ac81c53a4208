import { describe, expect, it } from 'vitest';
import { siteConfigSchema } from '@wattpack/common';
import { DEFAULT_RIGHT_SIZING, H200_TRAIN_CURVE } from './policy.js';
import { policyFromSite, rampWPerS } from './policy-from-site.js';

const teams = { ml: { gpus: 64, mw: 1.5 } };
const site = (input: Record<string, unknown> = {}) => siteConfigSchema.parse(input);

describe('rampWPerS', () => {
  it.each([
    [0.6, 10_000],
    [1.2, 20_000],
    [3, 50_000],
  ])('%d MW/min -> %d W/s', (mw, w) => expect(rampWPerS(mw)).toBeCloseTo(w, 9));
});

describe('policyFromSite', () => {
  it('the defaults where the site says nothing', () => {
    const p = policyFromSite('backfill', site());
    expect(p).toMatchObject({ name: 'backfill', defaultRuntimeS: 14_400, teams: {}, curves: {}, curve: H200_TRAIN_CURVE, checkpointIntervalS: 600 });
    expect(p.rampWPerS ?? p.rightSizing).toBeUndefined();
    expect(policyFromSite('wattpack', site()).rightSizing).toEqual(DEFAULT_RIGHT_SIZING);
  });

  it('the live site: runtime 2 h, curves, a 1.2 MW/min ramp, its right-sizing, the teams\' history', () => {
    const curves = { A100: [{ limitW: 200, relativeThroughput: 0.6 }, { limitW: 400, relativeThroughput: 1 }] };
    const rightSizing = { marginFraction: 0.2, minMarginW: 50, heldFraction: 0.1 };
    const history = { ml: { gpuHours: 1, facilityKwh: 1000 } };
    const p = policyFromSite('wattpack', site({ teams, defaultRuntime: '2h', curves, rampMwPerMin: 1.2, rightSizing }), { history });
    expect(p).toMatchObject({ name: 'wattpack', teams, defaultRuntimeS: 7200, rampWPerS: 20_000, rightSizing, checkpointIntervalS: 600, history });
    expect(p.curves!['A100']).toEqual([{ limitW: 200, meanDrawW: 200, relativeThroughput: 0.6 }, { limitW: 400, meanDrawW: 400, relativeThroughput: 1 }]);
  });

  it('wattpack-static never right-sizes, whatever the settings; the ramp still holds', () => {
    const p = policyFromSite('wattpack-static', site({ teams, rampMwPerMin: 0.6 }));
    expect(p.rightSizing).toBeUndefined();
    expect(p.rampWPerS).toBe(10_000);
  });

  it('the baselines know nothing of the ramp; the simulator gives its checkpoint interval', () => {
    for (const name of ['fifo', 'backfill'] as const) {
      const p = policyFromSite(name, site({ teams, rampMwPerMin: 3 }), { checkpointIntervalS: 900 });
      expect(p).toMatchObject({ name, teams, checkpointIntervalS: 900, defaultRuntimeS: 14_400 });
      expect(p.rampWPerS).toBeUndefined();
      expect(p.rightSizing).toBeUndefined();
    }
  });
});
