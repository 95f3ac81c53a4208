import { describe, expect, it } from 'vitest';
import { buildJob, buildSite, runOn as run } from '../testing/index.js';
import { plan } from './plan.js';
import { defaultPolicy } from './policy.js';
import { siteSplit } from './watts.js';

/** 10 kW per minute: room for one 8-GPU job at 700 W (1.2 x (8 x 590 + 1,500) = 7,464 W) a minute, not two. */
const policy = defaultPolicy('wattpack', { rampWPerS: 10_000 / 60 });

describe('the ramp limit', () => {
  it('staggers starts so facility power rises no faster than the ramp allows', () => {
    const site = buildSite({ nodes: 4 });
    const idle = siteSplit(site).facilityW;
    site.now = 60_000;
    site.ramp = { fromW: idle, atMs: 0 };
    const jobs = [buildJob({ gpus: 8, minW: 700 }), buildJob({ gpus: 8, minW: 700 })];
    const p = plan(site, jobs, policy);
    expect(p.placements).toHaveLength(1);
    expect(p.allocatedW - idle).toBeLessThanOrEqual(10_000);
    // A minute later the second may start.
    run(site, { id: p.placements[0]!.jobId }, [p.placements[0]!.nodes[0]!.nodeId], 8);
    site.ramp = { fromW: siteSplit(site).facilityW, atMs: site.now };
    site.now += 60_000;
    expect(plan(site, [jobs[1]!], policy).placements).toHaveLength(1);
  });

  it('limits a rise from the level drawn now when power fell between passes, not from the last pass\'s higher level', () => {
    // The last pass left two jobs running; one ended since, 30 s ago: 5 kW of rise allowed now.
    const site = buildSite({ nodes: 4 });
    run(site, { id: 'a' }, ['n0'], 8);
    run(site, { id: 'b' }, ['n1'], 8);
    site.ramp = { fromW: siteSplit(site).facilityW, atMs: 0 };
    const ended = buildSite({ nodes: 4 });
    run(ended, { id: 'a' }, ['n0'], 8);
    ended.ramp = site.ramp;
    ended.now = 30_000;
    const levelNow = siteSplit(ended).facilityW;
    // The watts that fell are not taken back at once: a 7.5 kW start waits.
    const p = plan(ended, [buildJob({ gpus: 8, minW: 700 })], policy);
    expect(p.placements).toHaveLength(0);
    expect(p.allocatedW - levelNow).toBeLessThanOrEqual(5_000);
    // 45 s after that pass the rate allows it (7.5 kW <= 10 kW/min x 45 s).
    ended.now = 45_000;
    expect(plan(ended, [buildJob({ gpus: 8, minW: 700 })], policy).placements).toHaveLength(1);
  });
});
