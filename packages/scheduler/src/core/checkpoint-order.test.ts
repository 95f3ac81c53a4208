import { describe, expect, it } from 'vitest';
import { buildSite, runOn } from '../testing/index.js';
import { plan } from './plan.js';
import { defaultPolicy, type Policy } from './policy.js';
import type { RunningJob, SiteSnapshot } from './snapshot.js';
import { siteSplit } from './watts.js';

const MIN = 60_000;
const saving = (extra: Partial<Policy> = {}) =>
  defaultPolicy('wattpack', { powerSaving: { suspendAfterS: 600, resumeTimeoutS: 900, minIdleNodes: 0, excludeNodes: new Set() }, ...extra });
/** Limits that cannot go lower: only checkpoints shed. */
const fixed = { minW: 700, expectedEndAt: 24 * 60 * MIN };
/** Facility watts a 2-GPU job at 700 W frees when its stop empties its server: GPUs to idle, host busy to idle. */
const EMPTIES_W = 1.2 * (2 * (700 - 110) + 1500);

/** Three 8-GPU servers at 40 W standby, each with the given jobs (id, flex, GPUs); the cap then falls by `cutW` facility watts. */
function site(servers: Array<Array<[string, number, number]>>, cutW: number, reserveFraction = 0.02): SiteSnapshot {
  const s = buildSite({ nodes: servers.length, reserveFraction });
  s.now = 60 * MIN;
  for (const n of s.nodes) n.standbyW = 40;
  servers.forEach((jobs, k) => jobs.forEach(([id, flex, gpus]) => runOn(s, { id, flex, ...fixed } as Partial<RunningJob> & { id: string }, [`n${k}`], gpus)));
  s.capW = (siteSplit(s).facilityW - cutW) / (1 - reserveFraction);
  return s;
}
const stopped = (s: SiteSnapshot, p: Policy) => plan(s, [], p).preemptions.map((x) => x.jobId);

describe('checkpoint order while shedding, with power saving', () => {
  it('stops the job whose stop empties a server (its host too) before a more flexible one that leaves its server on', () => {
    // n0: a flex-50 job beside a flex-0 one (its stop frees GPUs only, 2.8 kW); n1: a flex-10 job alone (3.2 kW, then off).
    const s = site([[['f50', 50, 4], ['r0', 0, 4]], [['f10', 10, 2]], [['r2', 0, 8]]], 1.2 * 2500);
    expect(stopped(s, saving())).toEqual(['f10']);
    // The class order alone takes the most flexible first, and then needs the other too.
    expect(stopped(s, saving({ shedByValue: false, shedCountsEmptiedOff: false }))).toEqual(['f50', 'f10']);
  });

  it('never stops a flex-0 job while a more flexible one runs, however many watts its server would free', () => {
    // n1's flex-0 job alone on its server would free the most per GPU; the flexible job goes first.
    const s = site([[['f50', 50, 4], ['r0', 0, 4]], [['alone0', 0, 1]], [['r2', 0, 8]]], 1000);
    expect(stopped(s, saving())).toEqual(['f50']);
  });

  it('counts a server it empties at its off draw when the site, the server still idle, stays under the cap', () => {
    // Emptying n1 frees 3.2 kW at idle; the cut is 200 W more, which its going off (2.2 kW) covers
    // and the reserve (2 % of the cap, about 0.5 kW here) holds while its BMC powers it down.
    const s = site([[['f50', 50, 4], ['r0', 0, 4]], [['f10', 10, 2]], [['r2', 0, 8]]], EMPTIES_W + 200);
    const p = plan(s, [], saving());
    expect(p.preemptions.map((x) => x.jobId)).toEqual(['f10']);
    // Counted at idle, it must stop another job for those 200 W.
    expect(stopped(s, saving({ shedCountsEmptiedOff: false }))).toEqual(['f10', 'f50']);
    // The next pass, once the job has exited, powers the server off and the site is under its budget.
    const after = structuredClone(s);
    after.running = after.running.filter((r) => r.id !== 'f10');
    for (const g of after.nodes[1]!.gpus) delete g.jobId;
    const next = plan(after, [], saving());
    expect(next.nodePower.suspend).toEqual(['n1']);
    expect(next.preemptions).toEqual([]);
    after.nodes[1]!.power = 'off';
    expect(siteSplit(after).facilityW).toBeLessThanOrEqual(after.capW * (1 - after.reserveFraction));
  });

  it('does not count it off when the site would be over the cap while the server still draws idle', () => {
    // A reserve of 0.2 % (about 50 W) cannot hold the 200 W the idle server still draws over the budget.
    const s = site([[['f50', 50, 4], ['r0', 0, 4]], [['f10', 10, 2]], [['r2', 0, 8]]], EMPTIES_W + 200, 0.002);
    expect(stopped(s, saving())).toEqual(['f10', 'f50']);
  });

  it('does not count a server that will stay on (excluded from power saving) at its off draw', () => {
    const s = site([[['f50', 50, 4], ['r0', 0, 4]], [['f10', 10, 2]], [['r2', 0, 8]]], EMPTIES_W + 200);
    const kept = saving();
    kept.powerSaving = { ...kept.powerSaving!, excludeNodes: new Set(['n1']) };
    expect(stopped(s, kept)).toEqual(['f10', 'f50']);
  });
});
