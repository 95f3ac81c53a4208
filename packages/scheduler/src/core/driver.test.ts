import { describe, expect, it } from 'vitest';
import { buildJob, buildSite } from '../testing/index.js';
import { applyPlan, freshOf, verifyPlan, type PlanTarget } from './driver.js';
import { plan } from './plan.js';
import { defaultPolicy } from './policy.js';
import type { SiteSnapshot } from './snapshot.js';

/**
 * One node, four 3,010 W miners, eight H100s: an 8-GPU job at 700 W fits under the
 * budget only once one miner is curtailed (facility 24,168 W with all four mining,
 * 20,556 W with three; budget 22,000 W).
 */
function tightSite(): SiteSnapshot {
  return buildSite({ nodes: 1, minersPerNode: 4, capW: 22_000 / 0.98, reserveFraction: 0.02 });
}
const bigJob = () => buildJob({ gpus: 8, minW: 700, maxW: 700 });

/** A target that applies nothing and records the calls, in order. */
function recorder(site: SiteSnapshot): { calls: string[]; target: PlanTarget<void> } {
  const calls: string[] = [];
  return {
    calls,
    target: {
      fresh: () => freshOf(site),
      preempt: (p) => void calls.push(`preempt ${p.jobId}`),
      setLimit: (c) => void calls.push(`limit ${c.jobId} ${c.powerLimitW}`),
      miners: (ids, action) => void calls.push(`${action} ${ids.join(',')}`),
      place: (p) => void calls.push(`place ${p.jobId}`),
      wait: (w) => void calls.push(`wait ${w.jobId}: ${w.reason}`),
    },
  };
}

describe('the driver: curtail, then place once the curtailment is confirmed', () => {
  it('sends the curtailment and requeues the job that needs its watts; the next pass, which sees the miner curtailed, places it', () => {
    const site = tightSite();
    const job = bigJob();
    const first = plan(site, [job], defaultPolicy('wattpack'));
    expect(first.placements.map((p) => p.jobId)).toEqual([job.id]);
    expect(first.curtail).toHaveLength(1);

    const { calls, target } = recorder(site);
    const applied = applyPlan(first, target);
    expect(applied.placements).toEqual([]);
    expect(calls).toEqual([`curtail ${first.curtail[0]}`, `wait ${job.id}: power: waiting for 1 miner(s) to curtail`]);

    // The miner reports curtailed: the next pass plans the same placement, and it commits.
    for (const m of site.nodes[0]!.miners) if (first.curtail.includes(m.id)) m.curtailed = true;
    const second = plan(site, [job], defaultPolicy('wattpack'));
    expect(second.curtail).toEqual([]);
    expect(applyPlan(second, recorder(site).target).placements.map((p) => p.jobId)).toEqual([job.id]);
  });

  it('places at once what fits without the miners the same plan curtails', () => {
    const site = buildSite({ nodes: 2, minersPerNode: 4, capW: 40_000 / 0.98 });
    const small = buildJob({ gpus: 1, minW: 700, maxW: 700 });
    const p = plan(site, [small, bigJob()], defaultPolicy('wattpack'));
    expect(p.placements).toHaveLength(2);
    expect(p.curtail.length).toBeGreaterThan(0);
    const applied = verifyPlan(p, freshOf(site));
    expect(applied.placements.map((x) => x.jobId)).toEqual([small.id]);
    expect(applied.requeued).toHaveLength(1);
  });
});

describe('the driver: re-verification at commit (state changed between plan and commit)', () => {
  const roomy = () => buildSite({ nodes: 2, capW: 18e6 });

  it('requeues a placement whose node was cordoned, naming the node', () => {
    const site = roomy();
    const job = buildJob({ gpus: 8 });
    const p = plan(site, [job]);
    const nodeId = p.placements[0]!.nodes[0]!.nodeId;
    const fresh = structuredClone(site);
    fresh.nodes.find((n) => n.id === nodeId)!.schedulable = false;
    const applied = verifyPlan(p, freshOf(fresh));
    expect(applied.placements).toEqual([]);
    expect(applied.requeued).toEqual([{ jobId: job.id, code: 'gpus', reason: `requeued: node ${nodeId} no longer takes work (down, draining or unhealthy)` }]);
  });

  it('requeues a placement whose GPU another job took, and one two placements would share', () => {
    const site = roomy();
    const [a, b] = [buildJob({ gpus: 8 }), buildJob({ gpus: 8 })];
    const p = plan(site, [a, b]);
    const onA = p.placements[0]!.nodes[0]!;
    const fresh = structuredClone(site);
    Object.assign(fresh.nodes.find((n) => n.id === onA.nodeId)!.gpus[onA.gpuIndices[0]!]!, { jobId: 'other', limitW: 700 });
    expect(verifyPlan(p, freshOf(fresh)).requeued.map((w) => w.reason)).toEqual([`requeued: GPU ${onA.nodeId}/${onA.gpuIndices[0]} was taken`]);

    const twice = { ...p, placements: [p.placements[0]!, { ...p.placements[1]!, nodes: p.placements[0]!.nodes }] };
    expect(verifyPlan(twice, freshOf(site)).requeued.map((w) => w.jobId)).toEqual([b.id]);
  });

  it('requeues what no longer fits a cap lowered since the plan, and drops a limit raise that would pass it', () => {
    const site = roomy();
    const job = buildJob({ gpus: 8 });
    const p = plan(site, [job]);
    const fresh = structuredClone(site);
    fresh.capW = 10_000;
    const applied = verifyPlan(p, freshOf(fresh));
    expect(applied.requeued[0]).toMatchObject({ jobId: job.id, code: 'power' });
    expect(applied.requeued[0]!.reason).toBe('power: needs 7.5 kW, 5.3 kW free under the cap now');

    fresh.running.push({ id: 'r', team: 't', priority: 1, startedAt: 0, expectedEndAt: 1, gpus: 8, nodes: 2, powerLimitW: 300, preemptible: false });
    const raise = { ...p, placements: [], powerChanges: [{ jobId: 'r', powerLimitW: 700, why: 'raise' as const }, { jobId: 'gone', powerLimitW: 700, why: 'raise' as const }] };
    expect(verifyPlan(raise, freshOf(fresh)).powerChanges).toEqual([]);
    const lower = { ...raise, powerChanges: [{ jobId: 'r', powerLimitW: 250, why: 'shed' as const }] };
    expect(verifyPlan(lower, freshOf(fresh)).powerChanges).toEqual(lower.powerChanges);
  });
});

describe('the driver: one order for every target', () => {
  it('settles each phase before the next with an asynchronous target', async () => {
    const site = roomy2();
    const job = buildJob({ gpus: 8 });
    const p = { ...plan(site, [job]), preemptions: [{ jobId: 'x', reason: 'test' }] };
    const log: string[] = [];
    const later = (what: string, ms: number) => new Promise<void>((resolve) => setTimeout(() => (log.push(what), resolve()), ms));
    const done = applyPlan(p, {
      fresh: () => freshOf(site),
      preempt: () => later('preempt', 30),
      setLimit: () => later('limit', 0),
      miners: () => later('miners', 0),
      place: () => later('place', 0),
      wait: () => later('wait', 0),
    });
    expect(done).toBeInstanceOf(Promise);
    expect((await done).placements.map((x) => x.jobId)).toEqual([job.id]);
    expect(log).toEqual(['preempt', 'place']);
  });
});

function roomy2(): SiteSnapshot {
  return buildSite({ nodes: 1, capW: 18e6 });
}
