import { describe, expect, it } from 'vitest';
import { buildJob, buildSite, runOn } from '../testing/index.js';
import { plan } from './plan.js';
import { defaultPolicy } from './policy.js';
import { siteSplit } from './watts.js';

const wattpack = defaultPolicy('wattpack');

/** A site the model says fits with 1 kW to spare; the meter decides how much it really draws. */
function site() {
  const s = buildSite({ nodes: 2, minersPerNode: 2, reserveFraction: 0 });
  runOn(s, { id: 'hi', priority: 500, minW: 300 }, ['n0'], 8);
  runOn(s, { id: 'lo', priority: 1, minW: 300 }, ['n1'], 8);
  s.capW = siteSplit(s).facilityW + 1000;
  return s;
}
const minersW = 1.2 * 4 * 3010;

describe('the meter factor in the core', () => {
  it('changes nothing when the meter agrees with the model', () => {
    const p = plan({ ...site(), meterFactor: 1 }, [], wattpack);
    expect(p).toMatchObject({ curtail: [], powerChanges: [], preemptions: [] });
  });

  it('sheds what the meter measures beyond the model, in order: miners, then limits, then preemption', () => {
    // 8 % above the model: more than the spare kilowatt, less than the miners.
    const s = site();
    // A factor under which, once every miner is curtailed, `w` facility watts remain over the cap.
    const model = siteSplit(s).facilityW;
    const overAfterMiners = (w: number) => (s.capW + w) / (model - minersW);
    let p = plan({ ...s, meterFactor: 1.08 }, [], wattpack);
    expect(p.curtail.length).toBeGreaterThan(0);
    expect(p.curtail.length).toBeLessThan(4);
    expect(p).toMatchObject({ powerChanges: [], preemptions: [] });
    expect(p.allocatedW).toBeLessThanOrEqual(p.budgetW);
    // Beyond the miners: limits come down, nobody is preempted.
    p = plan({ ...s, meterFactor: overAfterMiners(3000) }, [], wattpack);
    expect(p.curtail).toHaveLength(4);
    expect(p.powerChanges.map((c) => c.why)).toEqual(['shed', 'shed']);
    expect(p.preemptions).toEqual([]);
    expect(p.allocatedW).toBeLessThanOrEqual(p.budgetW);
    // Far beyond: the low-priority job goes, and its reason names the meter.
    p = plan({ ...s, meterFactor: overAfterMiners(30_000) }, [], wattpack);
    expect(p.preemptions.map((x) => x.jobId)).toEqual(['lo']);
    expect(p.preemptions[0]!.reason).toMatch(/over its .* MW cap at the meter/);
  });

  it('keeps a job waiting that fits the model but not the meter', () => {
    const s = buildSite({ nodes: 2, reserveFraction: 0 });
    runOn(s, { id: 'a' }, ['n0'], 8);
    const job = buildJob({ gpus: 8, minW: 700, maxW: 700 });
    // Room for the job by the model, with 2 kW to spare.
    s.capW = siteSplit(s).facilityW + 1.2 * (8 * (700 - 110) + 1500) + 2000;
    expect(plan(s, [job], wattpack).placements).toHaveLength(1);
    const p = plan({ ...s, meterFactor: 1 + 5000 / siteSplit(s).facilityW }, [job], wattpack);
    expect(p.placements).toEqual([]);
    expect(p.waiting[0]).toMatchObject({ jobId: job.id, code: 'power' });
  });
});
