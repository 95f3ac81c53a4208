import { describe, expect, it } from 'vitest';
import { buildJob, buildSite, runOn as run } from '../testing/index.js';
import { plan } from './plan.js';
import { H200_TRAIN_CURVE, defaultPolicy } from './policy.js';
import { ThroughputCurve } from './limits.js';
import type { SiteSnapshot } from './snapshot.js';
import { siteSplit } from './watts.js';
import { h200PowerCurves } from '@wattpack/common';

const wattpack = defaultPolicy('wattpack');
const backfill = defaultPolicy('backfill');
const fifo = defaultPolicy('fifo');

describe('the curve', () => {
  it('is the measured H200 training curve', () => {
    const measured = h200PowerCurves()['train']!;
    expect(H200_TRAIN_CURVE.map((p) => [p.limitW, p.relativeThroughput])).toEqual(measured.map((p) => [p.limitW, p.relativeThroughput]));
  });

  it('puts the node-efficient limit at 400 W for 8 GPUs and a 2.5 kW host', () => {
    const curve = new ThroughputCurve(H200_TRAIN_CURVE);
    expect(curve.efficientLimit(200, 700, 8, 2500)).toBe(400);
    expect(curve.at(500, 700)).toBeCloseTo(0.881);
    // A 350 W GPU at 250 W is the H200 at 500 W.
    expect(curve.at(250, 350)).toBeCloseTo(0.881);
  });
});

describe('fifo and backfill', () => {
  it('fifo: the head blocks the jobs behind it', () => {
    const site = buildSite({ nodes: 2 });
    run(site, { id: 'busy' }, ['n0'], 4);
    const p = plan(site, [buildJob({ gpus: 8, nodes: 2 }), buildJob({ gpus: 1 })], fifo);
    expect(p.placements).toHaveLength(0);
    expect(p.waiting[1]!.reason).toMatch(/^queued behind j\d+ \(first come, first served\)$/);
  });

  it('backfill: a short job jumps ahead; a long one that would delay the head does not', () => {
    const site = buildSite({ nodes: 2 });
    run(site, { id: 'busy', expectedEndAt: 3600_000 }, ['n0'], 4);
    const head = buildJob({ gpus: 8, nodes: 2 });
    const short = buildJob({ gpus: 4, maxRuntimeS: 1800 });
    const long = buildJob({ gpus: 4, maxRuntimeS: 7200 });
    const p = plan(site, [head, long, short], backfill);
    expect(p.placements.map((x) => x.jobId)).toEqual([short.id]);
    // The long one may run where the head's reservation does not need the node... here it needs both.
    expect(p.waiting.map((w) => w.jobId)).toEqual([head.id, long.id]);
  });

  it('backfill: a long job may start on nodes the reservation does not need', () => {
    const site = buildSite({ nodes: 3 });
    run(site, { id: 'busy', expectedEndAt: 3600_000 }, ['n0'], 4);
    const head = buildJob({ gpus: 8, nodes: 3 });
    const long = buildJob({ gpus: 4, maxRuntimeS: 7200 });
    expect(plan(site, [head, long], backfill).placements).toHaveLength(0);
    const smallHead = buildJob({ gpus: 8, nodes: 2 });
    const site2 = buildSite({ nodes: 3 });
    run(site2, { id: 'busy', expectedEndAt: 3600_000 }, ['n0', 'n1', 'n2'], 2);
    // All three nodes have 6 free: the head needs 2 whole nodes at 1 h; a long 4-GPU job fits on the third node only.
    const p = plan(site2, [smallHead, long], backfill);
    expect(p.placements).toHaveLength(1);
  });
});

describe('wattpack', () => {
  it('does more work per watt when power binds: two jobs at a shared lower limit instead of one at 700 W', () => {
    // Room for one 8-GPU job at 700 W, not two; both fit at the node-efficient level.
    const site = buildSite({ nodes: 2, capW: 1.2 * (2 * 1000 + 16 * 110) + 1.2 * (8 * 590 + 1500) + 2500, reserveFraction: 0 });
    const jobs = [buildJob({ gpus: 8 }), buildJob({ gpus: 8 })];
    const rigid = plan(site, jobs, backfill);
    expect(rigid.placements).toHaveLength(1);
    const smart = plan(site, jobs, wattpack);
    expect(smart.placements).toHaveLength(2);
    const curve = new ThroughputCurve(H200_TRAIN_CURVE);
    const work = (p: typeof smart) => p.placements.reduce((s, pl) => s + 8 * curve.at(pl.powerLimitW, 700), 0);
    expect(work(smart)).toBeGreaterThan(work(rigid) * 1.3);
    expect(smart.allocatedW).toBeLessThanOrEqual(smart.budgetW);
  });

  it('shaves running flexible jobs to admit a waiting one, and gives watts back when they free up', () => {
    const cap = 1.2 * (2 * 1000 + 16 * 110) + 1.2 * (8 * 590 + 1500) + 2500;
    const site = buildSite({ nodes: 2, capW: cap, reserveFraction: 0 });
    run(site, { id: 'old' }, ['n0'], 8, 700);
    const job = buildJob({ gpus: 8 });
    const p = plan(site, [job], wattpack);
    // The watts are not free until the old job's GPUs enforce the lower limit: it waits one pass.
    expect(p.placements).toHaveLength(0);
    expect(p.waiting[0]!.reason).toMatch(/^power: lowering 1 running job/);
    expect(p.powerChanges).toEqual([{ jobId: 'old', powerLimitW: expect.any(Number), why: 'shave' }]);
    const shaved = p.powerChanges[0]!.powerLimitW;
    expect(shaved).toBeLessThan(700);
    expect(p.allocatedW).toBeCloseTo(siteSplit(site).facilityW);
    // Confirmed: the next pass starts the newcomer at the same level.
    const confirmed = buildSite({ nodes: 2, capW: cap, reserveFraction: 0 });
    run(confirmed, { id: 'old' }, ['n0'], 8, shaved);
    const next = plan(confirmed, [job], wattpack);
    expect(next.placements).toHaveLength(1);
    expect(next.placements[0]!.powerLimitW).toBe(shaved);
    expect(next.allocatedW).toBeLessThanOrEqual(cap);

    // The newcomer ends: spare watts raise the old job back to its max.
    const after = buildSite({ nodes: 2, capW: cap, reserveFraction: 0 });
    run(after, { id: 'old' }, ['n0'], 8, shaved);
    expect(plan(after, [], wattpack).powerChanges).toEqual([{ jobId: 'old', powerLimitW: 700, why: 'raise' }]);
  });

  it('treats miners as the flexible load: curtails just enough, least valuable first, and wakes them later', () => {
    const site = buildSite({ nodes: 1, minersPerNode: 0 });
    site.nodes.push({ id: 'mine', labels: {}, schedulable: true, hostIdleW: 0, hostBusyW: 0, gpus: [], miners: [
      { id: 'm-old', nameplateW: 3250, hashrateThs: 110, curtailed: false },
      { id: 'm-xp1', nameplateW: 3010, hashrateThs: 140, curtailed: false },
      { id: 'm-xp2', nameplateW: 3010, hashrateThs: 140, curtailed: false },
    ] });
    const idle = siteSplit(site).facilityW;
    site.capW = idle + 2000; // room for 2 kW more: an 8-GPU job needs 7.5 kW
    site.reserveFraction = 0;
    const p = plan(site, [buildJob({ gpus: 8, minW: 700 })], wattpack);
    expect(p.placements).toHaveLength(1);
    expect(p.curtail).toEqual(['m-old', 'm-xp1']); // S19 Pro first: fewer TH/s per watt
    expect(p.allocatedW).toBeLessThanOrEqual(p.budgetW);
    expect(plan(site, [buildJob({ gpus: 8, minW: 700 })], backfill).placements).toHaveLength(0);

    // The job ended: the curtailed miners come back, most valuable first, as far as watts allow.
    const later = structuredClone(site);
    for (const m of later.nodes[1]!.miners) m.curtailed = m.id !== 'm-xp2';
    later.capW = siteSplit(later).facilityW + 1.2 * 3010 + 10;
    expect(plan(later, [], wattpack).resume).toEqual(['m-xp1']);
  });

  it('preempts lower-priority preemptible jobs, least work lost first, and starts the job after they exit', () => {
    const site = buildSite({ nodes: 2 });
    site.now = 3600_000;
    run(site, { id: 'old-low', priority: 10, startedAt: 0 }, ['n0'], 8);
    run(site, { id: 'new-low', priority: 10, startedAt: 3500_000 }, ['n1'], 8);
    const urgent = buildJob({ gpus: 8, priority: 500 });
    const p = plan(site, [urgent], wattpack);
    expect(p.placements).toHaveLength(0);
    expect(p.preemptions.map((x) => x.jobId)).toEqual(['new-low']); // 100 s of work lost, not 600
    expect(p.waiting[0]!.reason).toBe('preempting 1 job(s) to make room');
    // While the victim checkpoints, nothing more is preempted.
    site.running.find((r) => r.id === 'new-low')!.stopping = true;
    expect(plan(site, [urgent], wattpack).preemptions).toHaveLength(0);
    // Equal priority never preempts.
    expect(plan(buildSiteWith('peer', 500), [urgent], wattpack).preemptions).toHaveLength(0);
  });

  it('serves a team under its fair share before a team over it, whatever the priority', () => {
    const site = buildSite({ nodes: 2 });
    run(site, { id: 'a-big', team: 'a' }, ['n0'], 8); // team a holds its whole equal share
    const aJob = buildJob({ gpus: 8, team: 'a', priority: 900 });
    const bJob = buildJob({ gpus: 8, team: 'b', priority: 1 });
    const p = plan(site, [aJob, bJob], wattpack);
    expect(p.placements.map((x) => x.jobId)).toEqual([bJob.id]);
    // Without fair share, priority wins.
    expect(plan(site, [aJob, bJob], backfill).placements.map((x) => x.jobId)).toEqual([aJob.id]);
  });

  it('sheds a cap drop in order: miners, then flexible limits, then the lowest-priority jobs', () => {
    const site = buildSite({ nodes: 2, minersPerNode: 2, reserveFraction: 0 });
    run(site, { id: 'hi', priority: 500 }, ['n0'], 8);
    run(site, { id: 'lo', priority: 1 }, ['n1'], 8);
    const full = siteSplit(site).facilityW;
    const minersW = 1.2 * 4 * 3010;
    // Slightly less than miners alone can give: miners go, nothing else.
    site.capW = full - minersW + 100;
    let p = plan(site, [], wattpack);
    expect(p.curtail).toHaveLength(4);
    expect(p.powerChanges).toEqual([]);
    expect(p.preemptions).toEqual([]);
    // More than miners: limits come down too, nobody preempted.
    site.capW = full - minersW - 4000;
    p = plan(site, [], wattpack);
    expect(p.curtail).toHaveLength(4);
    expect(p.powerChanges.length).toBe(2);
    expect(p.preemptions).toEqual([]);
    expect(p.allocatedW).toBeLessThanOrEqual(p.budgetW);
    // Far more: the low-priority job is checkpointed and preempted.
    site.capW = full - minersW - 9000;
    p = plan(site, [], wattpack);
    expect(p.preemptions.map((x) => x.jobId)).toEqual(['lo']);
    expect(p.preemptions[0]!.reason).toMatch(/cap dropped/);
  });
});

function buildSiteWith(id: string, priority: number): SiteSnapshot {
  const site = buildSite({ nodes: 1 });
  run(site, { id, priority }, ['n0'], 8);
  return site;
}

describe('wattpack fair-share preemption', () => {
  it('reclaims a share from a borrowing team, but never for a job that would itself borrow', () => {
    const site = buildSite({ nodes: 2 });
    run(site, { id: 'a-1', team: 'a', priority: 500 }, ['n0'], 8);
    run(site, { id: 'a-2', team: 'a', priority: 500 }, ['n1'], 8); // team a borrows b's half
    const bFits = buildJob({ gpus: 8, team: 'b', priority: 1 });
    const p = plan(site, [bFits], wattpack);
    expect(p.preemptions).toHaveLength(1);
    expect(p.preemptions[0]!.reason).toMatch(/fair share/);

    // A 16-GPU gang of team b would borrow itself: it may not take a's share.
    const site2 = buildSite({ nodes: 2 });
    run(site2, { id: 'a-1', team: 'a', priority: 500 }, ['n0'], 8);
    const bGang = buildJob({ gpus: 8, nodes: 2, team: 'b', priority: 1 });
    expect(plan(site2, [bGang], wattpack).preemptions).toHaveLength(0);
  });
});

describe('per-model curves', () => {
  it('takes a model its own curve: a GPU that loses nothing when capped may be lowered further', () => {
    // Room for one 8-GPU job at 700 W plus 8 GPUs at 250 W, not at the training floor of 400 W.
    const site = buildSite({ nodes: 2, model: 'H200', capW: 1.2 * (2 * 1000 + 16 * 110) + 1.2 * (8 * 590 + 1500) + 1.2 * (8 * 140 + 1500), reserveFraction: 0 });
    const jobs = [buildJob({ gpus: 8, minW: 700 }), buildJob({ gpus: 8 })];
    expect(plan(site, jobs, wattpack).placements).toHaveLength(1);
    const withCurve = plan(site, jobs, defaultPolicy('wattpack', { curves: { H200: [{ limitW: 200, meanDrawW: 200, relativeThroughput: 0.9 }, { limitW: 700, meanDrawW: 450, relativeThroughput: 1 }] } }));
    expect(withCurve.placements).toHaveLength(2);
    expect(withCurve.placements[1]!.powerLimitW).toBeLessThan(400);
  });
});
