import { describe, expect, it } from 'vitest';
import { siteConfigSchema } from '@wattpack/common';
import { buildSite, runOn } from '../testing/index.js';
import { toleranceFloor } from './flex.js';
import { ThroughputCurve } from './limits.js';
import { plan } from './plan.js';
import { H200_TRAIN_CURVE, defaultPolicy } from './policy.js';
import { policyFromSite } from './policy-from-site.js';
import { siteSplit } from './watts.js';

const curve = ThroughputCurve.of(H200_TRAIN_CURVE);
const stop = defaultPolicy('wattpack');
const slow = { ...stop, slowBeyondTolerance: true };
const F50 = toleranceFloor(curve, 50, 200, 700, 700);
const F10 = toleranceFloor(curve, 10, 200, 700, 700);
const limits = (p: ReturnType<typeof plan>) => Object.fromEntries(p.powerChanges.map((c) => [c.jobId, c.powerLimitW]));

/**
 * Three 8-GPU jobs at 700 W on one 24-GPU server (a stop frees no host): flex 50, flex
 * 10, flex 0; every GPU may go down to 200 W.
 */
function site() {
  const s = buildSite({ nodes: 1, reserveFraction: 0, gpusPerNode: 24 });
  for (const n of s.nodes) for (const g of n.gpus) g.maxW = 700;
  runOn(s, { id: 'fifty', flex: 50 }, ['n0'], 8);
  runOn(s, { id: 'ten', flex: 10 }, ['n0'], 8);
  runOn(s, { id: 'zero', flex: 0 }, ['n0'], 8);
  return s;
}
/** Facility watts freed when every flexible job is at its class's limit. */
const toFloors = 1.2 * 8 * (700 - F50) + 1.2 * 8 * (700 - F10);

describe('shedding beyond tolerance', () => {
  it('lowers limits below the classes where stopping a job would lose more, and stops no job', () => {
    const s = site();
    // 2 kW past both floors: stop (today's rule) checkpoints for it.
    s.capW = siteSplit(s).facilityW - toFloors - 2000;
    expect(plan(s, [], stop).preemptions.length).toBeGreaterThan(0);
    const p = plan(s, [], slow);
    expect(p.preemptions).toEqual([]);
    const l = limits(p);
    // The flex-10 job at 525 W loses less per watt than the flex-50 job at its 268 W: it gives most.
    expect(l['ten']).toBeLessThan(F10);
    expect(l['fifty']).toBeLessThanOrEqual(F50);
    expect(F10 - l['ten']!).toBeGreaterThan(F50 - l['fifty']!);
    expect(l['zero']).toBeUndefined();
    // Enough is freed, and the lost throughput is what the curve says, far below a stopped job's.
    expect(1.2 * 8 * (700 - l['ten']!) + 1.2 * 8 * (700 - l['fifty']!)).toBeGreaterThanOrEqual(toFloors + 2000);
    const lost = 8 * (0.9 - curve.at(l['ten']!, 700)) + 8 * (0.5 - curve.at(l['fifty']!, 700));
    expect(lost).toBeLessThan(8 * 0.5);
  });

  it('stops a job where that loses less than slowing; flex 0 keeps its limit and runs', () => {
    const s = site();
    // 4 kW past both floors, more than both give at 200 W (3.8 kW): one flexible job must
    // stop (stop, today's rule, stops both), and flex 0 neither stops nor slows.
    s.capW = siteSplit(s).facilityW - toFloors - 4000;
    expect(plan(s, [], stop).preemptions.map((x) => x.jobId)).toEqual(['fifty', 'ten']);
    const p = plan(s, [], slow);
    expect(p.preemptions).toHaveLength(1);
    expect(['fifty', 'ten']).toContain(p.preemptions[0]!.jobId);
    expect(limits(p)['zero']).toBeUndefined();
  });

  it('never goes below a job’s own minimum, and slows a job that may not be stopped', () => {
    const s = buildSite({ nodes: 1, reserveFraction: 0, gpusPerNode: 16 });
    for (const n of s.nodes) for (const g of n.gpus) g.maxW = 700;
    runOn(s, { id: 'own-min', flex: 50, minW: 260 }, ['n0'], 8);
    runOn(s, { id: 'pinned', flex: 50, preemptible: false }, ['n0'], 8);
    // 60 W a GPU past both floors: only the job that may not be stopped can go that low.
    s.capW = siteSplit(s).facilityW - 1.2 * 16 * (700 - F50) - 1.2 * 8 * 60;
    const p = plan(s, [], slow);
    expect(p.preemptions).toEqual([]);
    expect(limits(p)['own-min']).toBeGreaterThanOrEqual(260);
    expect(limits(p)['pinned']).toBeLessThanOrEqual(F50 - 60);
  });

  it('stops the only job of a server rather than slowing it: its host goes idle too', () => {
    const s = buildSite({ nodes: 2, reserveFraction: 0, gpusPerNode: 8 });
    for (const n of s.nodes) for (const g of n.gpus) g.maxW = 700;
    runOn(s, { id: 'alone', flex: 50 }, ['n0'], 1);
    runOn(s, { id: 'shared', flex: 50 }, ['n1'], 8);
    // 300 W past both floors: the lone 1-GPU job's stop frees its GPU and 1.8 kW of host.
    s.capW = siteSplit(s).facilityW - 1.2 * 9 * (700 - F50) - 300;
    const p = plan(s, [], slow);
    expect(p.preemptions.map((x) => x.jobId)).toEqual(['alone']);
    expect(limits(p)['shared']).toBeGreaterThanOrEqual(F50);
  });

  it('is site setting shedding.beyondTolerance: stop by default (checkpoint at once), slow to opt in', () => {
    expect(siteConfigSchema.parse({}).shedding).toEqual({ beyondTolerance: 'stop' });
    const bad = siteConfigSchema.safeParse({ shedding: { beyondTolerance: 'pause' } });
    expect(bad.error?.issues[0]?.path).toEqual(['shedding', 'beyondTolerance']);
    expect(bad.error?.issues[0]?.message).toMatch(/"stop"\|"slow"/);
    const slowSite = siteConfigSchema.parse({ shedding: { beyondTolerance: 'slow' } });
    expect(policyFromSite('wattpack', siteConfigSchema.parse({})).slowBeyondTolerance).toBeUndefined();
    expect(policyFromSite('wattpack', slowSite).slowBeyondTolerance).toBe(true);
    expect(policyFromSite('backfill', slowSite).slowBeyondTolerance).toBeUndefined();
  });
});
