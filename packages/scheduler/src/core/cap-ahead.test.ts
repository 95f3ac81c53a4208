import { describe, expect, it } from 'vitest';
import { buildJob as queued, buildSite, runOn } from '../testing/index.js';
import { plan } from './plan.js';
import { defaultPolicy } from './policy.js';
import { siteSplit } from './watts.js';

const wattpack = defaultPolicy('wattpack');

/** One busy server and one idle; a cut announced for 10 minutes from now that takes every watt the site has spare. */
function site() {
  const s = buildSite({ nodes: 2, reserveFraction: 0, gpusPerNode: 8 });
  runOn(s, { id: 'running' }, ['n0'], 8);
  s.capW = siteSplit(s).facilityW + 20_000;
  s.capAhead = { at: s.now + 600_000, capW: siteSplit(s).facilityW };
  return s;
}

describe('an announced lower cap (a grid event ahead)', () => {
  it('starts no job on watts the event will take, unless it ends before the event', () => {
    const s = site();
    const p = plan(s, [queued({ id: 'long', gpus: 8, maxRuntimeS: 3600 }), queued({ id: 'short', gpus: 8, maxRuntimeS: 300 })], wattpack);
    expect(p.placements.map((x) => x.jobId)).toEqual(['short']);
    const w = p.waiting.find((x) => x.jobId === 'long');
    expect(w?.code).toBe('power');
    expect(w?.reason).toMatch(/would still run when the cap drops to .* MW at .*, which leaves no room for it/);
    // It waits: nothing is preempted to make room for it.
    expect(p.preemptions).toEqual([]);
  });

  it('starts it when the cap ahead leaves room, and when none is announced', () => {
    const s = site();
    s.capAhead!.capW += 20_000;
    expect(plan(s, [queued({ id: 'long', gpus: 8, maxRuntimeS: 3600 })], wattpack).placements.map((x) => x.jobId)).toEqual(['long']);
    delete s.capAhead;
    expect(plan(s, [queued({ id: 'long', gpus: 8, maxRuntimeS: 3600 })], wattpack).placements.map((x) => x.jobId)).toEqual(['long']);
  });
});
