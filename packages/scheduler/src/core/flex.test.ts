import { describe, expect, it } from 'vitest';
import { jobSpecSchema, siteConfigSchema } from '@wattpack/common';
import { buildJob, buildSite, runOn } from '../testing/index.js';
import { toleranceFloor } from './flex.js';
import { ThroughputCurve } from './limits.js';
import { plan } from './plan.js';
import { H200_TRAIN_CURVE, defaultPolicy } from './policy.js';
import { siteSplit } from './watts.js';

const wattpack = defaultPolicy('wattpack');
const curve = ThroughputCurve.of(H200_TRAIN_CURVE);

/** Three 8-GPU jobs at 700 W: flex 50, flex 10, flex 0; every GPU may go down to 200 W. */
function site() {
  const s = buildSite({ nodes: 3, reserveFraction: 0, gpusPerNode: 8 });
  for (const n of s.nodes) for (const g of n.gpus) g.maxW = 700;
  runOn(s, { id: 'fifty', flex: 50, minW: 200 }, ['n0'], 8);
  runOn(s, { id: 'ten', flex: 10, minW: 200 }, ['n1'], 8);
  runOn(s, { id: 'zero', flex: 0, minW: 200 }, ['n2'], 8);
  return s;
}
/** Where the curve keeps 50 % and 90 %: between 250 and 300 W, and between 500 and 600 W. */
const F50 = 268;
const F10 = 525;
const limits = (p: ReturnType<typeof plan>) => Object.fromEntries(p.powerChanges.map((c) => [c.jobId, c.powerLimitW]));

describe('flexibility classes', () => {
  it('floor a job at the limit that keeps its class of the measured curve', () => {
    // H200 training curve: 0.45 at 250 W, 0.589 at 300 W; 0.881 at 500 W, 0.96 at 600 W.
    for (const flex of [50, 25, 10]) {
      const floor = toleranceFloor(curve, flex, 200, 700, 700);
      expect(curve.at(floor, 700)).toBeGreaterThanOrEqual(1 - flex / 100 - 1e-9);
      expect(curve.at(floor - 1, 700)).toBeLessThan(1 - flex / 100);
    }
    expect(toleranceFloor(curve, 50, 200, 700, 700)).toBe(F50);
    expect(toleranceFloor(curve, 10, 200, 700, 700)).toBe(F10);
    expect(toleranceFloor(curve, 0, 200, 700, 700)).toBe(700);
    // A job measured to draw 470 W (the curve's workload draws 648 W at 700 W) keeps all its throughput down to ~508 W.
    expect(toleranceFloor(curve, 0, 200, 700, 700, 470)).toBe(508);
    expect(curve.at(toleranceFloor(curve, 25, 200, 700, 700), 700)).toBeGreaterThanOrEqual(0.75 - 1e-9);
  });

  it('shed the most flexible first, never slowing a flex-0 job while a more flexible choice exists', () => {
    const s = site();
    const full = siteSplit(s).facilityW;
    // A small cut: the flex-50 job alone gives way.
    s.capW = full - 1.2 * 8 * 100;
    let p = plan(s, [], wattpack);
    expect(Object.keys(limits(p))).toEqual(['fifty']);
    expect(limits(p)['fifty']).toBeGreaterThanOrEqual(599);
    // More than the flex-50 job can give: it goes to its floor, the flex-10 job follows; flex 0 keeps 700 W.
    s.capW = full - 1.2 * 8 * (700 - F50) - 1.2 * 8 * 100;
    p = plan(s, [], wattpack);
    expect(limits(p)).toMatchObject({ fifty: F50 });
    expect(limits(p)['ten']).toBeLessThan(700);
    expect(limits(p)['ten']).toBeGreaterThanOrEqual(F10);
    expect(limits(p)['zero']).toBeUndefined();
    expect(p.preemptions).toEqual([]);
    // Beyond every tolerance: limits stop at their floors, and preemption takes the rest.
    s.capW = full - 1.2 * 8 * (700 - F50) - 1.2 * 8 * (700 - F10) - 1.2 * 2000;
    p = plan(s, [], wattpack);
    expect(limits(p)).toMatchObject({ fifty: F50, ten: F10 });
    expect(limits(p)['zero']).toBeUndefined();
    expect(p.preemptions.length).toBeGreaterThan(0);
  });

  it('checkpoint the most flexible job first when limits are not enough, whatever started last', () => {
    const s = buildSite({ nodes: 2, reserveFraction: 0, gpusPerNode: 8 });
    for (const n of s.nodes) for (const g of n.gpus) g.maxW = 700;
    // Without classes the newest job (flex 0) would go first.
    runOn(s, { id: 'flexible', flex: 50, minW: 200, startedAt: 0 }, ['n0'], 8);
    runOn(s, { id: 'rigid', flex: 0, minW: 200, startedAt: 60_000 }, ['n1'], 8);
    // Past the flex-50 job's floor by 2 kW: one job must stop.
    s.capW = siteSplit(s).facilityW - 1.2 * 8 * (700 - F50) - 2000;
    const p = plan(s, [], wattpack);
    expect(p.preemptions.map((x) => x.jobId)).toEqual(['flexible']);
    expect(limits(p)['rigid']).toBeUndefined();
  });

  it('start a job no lower than its class keeps: a flex-0 job at its max, the flexible one giving way', () => {
    const s = buildSite({ nodes: 2, reserveFraction: 0, gpusPerNode: 8 });
    for (const n of s.nodes) for (const g of n.gpus) g.maxW = 700;
    runOn(s, { id: 'fifty', flex: 50, minW: 200 }, ['n0'], 8);
    // Room for 8 more GPUs (1500 W more host, 110 W idle each) at 300 W, not at 700 W.
    const full = siteSplit(s).facilityW;
    const roomAt = (w: number) => full + 1.2 * (1500 + 8 * (w - 110));
    const queued = (flex: number) => [buildJob({ id: `q${flex}`, gpus: 8, minW: 200, maxW: 700, flex })];
    s.capW = roomAt(300);
    // Flex 0: never placed below 700 W; the flex-50 job is lowered to make room, and it waits for that.
    let p = plan(s, queued(0), wattpack);
    expect(p.placements).toEqual([]);
    expect(limits(p)['fifty']).toBeLessThan(700);
    expect(limits(p)['fifty']).toBeGreaterThanOrEqual(F50);
    // With nothing to lower, flex 50 starts at what fits, 300 W, but not at 240 W (below F50).
    s.running[0]!.flex = 0;
    expect(plan(s, queued(50), wattpack).placements.map((x) => x.powerLimitW)).toEqual([300]);
    s.capW = roomAt(240);
    expect(plan(s, queued(50), wattpack).placements).toEqual([]);
    // A job of no class still starts down to its own floor.
    expect(plan(s, [buildJob({ gpus: 8, minW: 200, maxW: 700 })], wattpack).placements.map((x) => x.powerLimitW)).toEqual([240]);
  });

  it('leave jobs of no class as they were: down to their power floor', () => {
    const s = buildSite({ nodes: 1, reserveFraction: 0 });
    runOn(s, { id: 'any', minW: 300 }, ['n0'], 8);
    s.capW = siteSplit(s).facilityW - 1.2 * 8 * 500;
    expect(limits(plan(s, [], wattpack))).toEqual({ any: 300 });
  });

  it('are 0, 10, 25 or 50 on a job, with team defaults in site settings', () => {
    expect(jobSpecSchema.parse({ name: 'a', command: ['x'], gpus: 1, flex: 25 }).flex).toBe(25);
    const bad = jobSpecSchema.safeParse({ name: 'a', command: ['x'], gpus: 1, flex: 30 });
    expect(bad.error?.issues[0]).toMatchObject({ path: ['flex'], message: 'a flexibility class: 0, 10, 25 or 50 (% slowdown tolerated)' });
    expect(siteConfigSchema.parse({ flexDefaults: { vision: 50, '*': 10 } }).flexDefaults).toEqual({ vision: 50, '*': 10 });
    expect(siteConfigSchema.safeParse({ flexDefaults: { vision: 5 } }).success).toBe(false);
  });
});
