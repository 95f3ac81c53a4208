import { describe, expect, it } from 'vitest';
import { buildJob, buildSite, runOn } from '../testing/index.js';
import { siteConfigSchema } from '@wattpack/common';
import { plan } from './plan.js';
import { defaultPolicy } from './policy.js';
import { policyFromSite, READMIT_MARGIN } from './policy-from-site.js';
import { siteSplit } from './watts.js';

/** The meter's window: 5 readings a second apart. */
const policy = policyFromSite('wattpack', siteConfigSchema.parse({ capMw: 1, meter: { host: '127.0.0.1', preset: 'eastron-sdm630', window: 5, pollMs: 1000 } }));

/** One busy node, one idle; the cap leaves room for a 1-GPU job with about 2 % of the cap to spare. */
function site() {
  const s = buildSite({ nodes: 2, reserveFraction: 0 });
  runOn(s, { id: 'running', minW: 700 }, ['n0'], 8);
  const job = buildJob({ gpus: 1, minW: 700 });
  // A 1-GPU start at 700 W on the idle node: 590 W of GPU and 1.5 kW of host, x PUE.
  const startW = 1.2 * (700 - 110 + 1500);
  s.capW = (siteSplit(s).facilityW + startW) / (1 - READMIT_MARGIN / 1.5);
  s.now = 100_000;
  return { s, job };
}

describe('hysteresis after a shed', () => {
  it('holds new starts a margin below the cap until the meter’s window has seen the shed', () => {
    const { s, job } = site();
    expect(policy.settleAfterShed).toEqual({ ms: 5000, marginFraction: READMIT_MARGIN });
    // No shed lately: the job starts.
    expect(plan(s, [job], policy).placements).toHaveLength(1);
    // A shed 2 s ago: the start would leave less than the margin free, so it waits for power.
    const held = plan({ ...s, shedAtMs: s.now - 2000 }, [job], policy);
    expect(held.placements).toEqual([]);
    expect(held.waiting).toMatchObject([{ jobId: job.id, code: 'power' }]);
    // Once the window has passed (5 readings), it starts.
    expect(plan({ ...s, shedAtMs: s.now - 5000 }, [job], policy).placements).toHaveLength(1);
    // Without a meter there is nothing to wait for.
    expect(plan({ ...s, shedAtMs: s.now - 2000 }, [job], defaultPolicy('wattpack')).placements).toHaveLength(1);
  });

  it('tells the driver when a pass shed load', () => {
    const { s } = site();
    expect(plan(s, [], policy).shed).toBe(false);
    expect(plan({ ...s, capW: 1000 }, [], policy).shed).toBe(true);
  });
});
