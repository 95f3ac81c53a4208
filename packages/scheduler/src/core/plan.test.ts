import { describe, expect, it } from 'vitest';
import { buildGpu, buildJob, buildSite } from '../testing/index.js';
import { plan } from './plan.js';
import type { Plan, SiteSnapshot } from './snapshot.js';
import { budgetW, siteSplit } from './watts.js';

/** Applies a plan to a copy of the site, as the live scheduler would. */
function apply(site: SiteSnapshot, p: Plan): SiteSnapshot {
  const next = structuredClone(site);
  for (const pl of p.placements) {
    for (const pn of pl.nodes) {
      const node = next.nodes.find((n) => n.id === pn.nodeId)!;
      for (const idx of pn.gpuIndices) Object.assign(node.gpus.find((g) => g.index === idx)!, { jobId: pl.jobId, limitW: pl.powerLimitW });
    }
  }
  return next;
}

describe('plan', () => {
  it('places a single-node job with the per-GPU limit at the GPU maximum', () => {
    const site = buildSite({ nodes: 2 });
    const job = buildJob({ gpus: 4 });
    const p = plan(site, [job]);
    expect(p.placements).toHaveLength(1);
    expect(p.placements[0]!.nodes[0]!.gpuIndices).toEqual([0, 1, 2, 3]);
    expect(p.placements[0]!.powerLimitW).toBe(700);
    // 4 GPUs from 110 W idle to 700 W, host 1000 -> 2500 W, times PUE 1.2
    expect(p.placements[0]!.facilityW).toBeCloseTo(1.2 * (4 * 590 + 1500));
  });

  it('packs best fit: a 2-GPU job goes to the partly used node, leaving the empty one whole', () => {
    const site = buildSite({ nodes: 2 });
    site.nodes[1]!.gpus.slice(0, 6).forEach((g) => Object.assign(g, { jobId: 'old', limitW: 700 }));
    const p = plan(site, [buildJob({ gpus: 2 })]);
    expect(p.placements[0]!.nodes[0]!.nodeId).toBe('n1');
  });

  it('starts a gang on all its nodes or not at all', () => {
    const site = buildSite({ nodes: 3 });
    site.nodes[0]!.gpus[0]!.jobId = 'old';
    site.nodes[1]!.gpus[0]!.jobId = 'old';
    const gang = buildJob({ gpus: 8, nodes: 2 });
    const p = plan(site, [gang]);
    expect(p.placements).toHaveLength(0);
    expect(p.waiting[0]).toMatchObject({ code: 'gpus', reason: 'gang needs 2 nodes with 8 free GPU, 1 available' });

    const free = plan(buildSite({ nodes: 3 }), [gang]);
    expect(free.placements[0]!.nodes.map((n) => n.gpuIndices.length)).toEqual([8, 8]);
    expect(new Set(free.placements[0]!.nodes.map((n) => n.nodeId)).size).toBe(2);
  });

  it('keeps a gang in one rack when a rack can hold it', () => {
    const site = buildSite({ nodes: 6, racks: 3 }); // racks r0: n0,n3; r1: n1,n4; r2: n2,n5
    site.nodes[0]!.gpus[0]!.jobId = 'old';
    const p = plan(site, [buildJob({ gpus: 8, nodes: 2 })]);
    const racks = p.placements[0]!.nodes.map((n) => site.nodes.find((v) => v.id === n.nodeId)!.labels['rack']);
    expect(racks[0]).toBe(racks[1]);
  });

  it('honours accepted GPU models and says when no node could ever fit', () => {
    const site = buildSite({ nodes: 1 });
    site.nodes.push({ ...buildSite({ nodes: 1, model: 'H200' }).nodes[0]!, id: 'h200' });
    const p = plan(site, [buildJob({ gpus: 8, gpuModels: ['H200'] }), buildJob({ gpus: 8, gpuModels: ['A100'] })]);
    expect(p.placements[0]!.nodes[0]!.nodeId).toBe('h200');
    expect(p.waiting[0]).toMatchObject({ code: 'never', reason: 'no schedulable node has 8 A100 GPUs' });
  });

  it('makes a job wait with the power reason when it would cross the cap', () => {
    // Idle site 4.5 kW; each job adds 1.2 x (8 x 590 + 1500) = 7.5 kW: room for one, not two.
    const site = buildSite({ nodes: 2, capW: 15_000, reserveFraction: 0 });
    const p = plan(site, [buildJob({ gpus: 8 }), buildJob({ gpus: 8 })]);
    expect(p.placements).toHaveLength(1);
    expect(p.waiting[0]!.code).toBe('power');
    expect(p.waiting[0]!.reason).toMatch(/^power: needs 7\.5 kW, [0-9.]+ kW free under the cap$/);
    expect(p.allocatedW).toBeLessThanOrEqual(p.budgetW);
  });

  it('lowers the limit toward the policy minimum when full power does not fit', () => {
    const site = buildSite({ nodes: 1, capW: 1.2 * (1000 + 8 * 110) + 1.2 * (1500 + 8 * 290), reserveFraction: 0 });
    const flexible = plan(site, [buildJob({ gpus: 8, minW: 300 })]);
    expect(flexible.placements[0]!.powerLimitW).toBe(400);
    const rigid = plan(site, [buildJob({ gpus: 8 })]);
    expect(rigid.placements).toHaveLength(0);
  });

  it('orders by priority, then submit time', () => {
    const site = buildSite({ nodes: 1 });
    const low = buildJob({ gpus: 8, priority: 10, submittedAt: 1 });
    const high = buildJob({ gpus: 8, priority: 500, submittedAt: 2 });
    const p = plan(site, [low, high]);
    expect(p.placements[0]!.jobId).toBe(high.id);
  });

  it('does not mutate the snapshot', () => {
    const site = buildSite({ nodes: 2 });
    const before = structuredClone(site);
    plan(site, [buildJob({ gpus: 8 }), buildJob({ gpus: 8, nodes: 2 })]);
    expect(site).toEqual(before);
  });

  it('counts unschedulable nodes and curtailed miners as the hardware does', () => {
    const site = buildSite({ nodes: 1, minersPerNode: 2 });
    site.nodes[0]!.miners[1]!.curtailed = true;
    site.nodes[0]!.schedulable = false;
    site.nodes[0]!.gpus.push(buildGpu(8, 'H100', { jobId: 'x', limitW: 500 }));
    const split = siteSplit(site);
    expect(split).toMatchObject({ gpusW: 8 * 110 + 500, hostsW: 2500, minersW: 3010 });
    expect(plan(site, [buildJob({ gpus: 1 })]).placements).toHaveLength(0);
  });

  it('never allocates past the cap minus reserve (random sites and queues)', () => {
    let rng = 42;
    const rand = () => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      let site = buildSite({
        nodes: 1 + Math.floor(rand() * 12),
        gpusPerNode: [1, 4, 8][Math.floor(rand() * 3)]!,
        capW: 5_000 + rand() * 150_000,
        reserveFraction: rand() * 0.1,
        minersPerNode: Math.floor(rand() * 2),
      });
      for (let step = 0; step < 4; step++) {
        const queue = Array.from({ length: Math.floor(rand() * 20) }, () =>
          buildJob({
            gpus: Math.floor(rand() * 9),
            nodes: 1 + Math.floor(rand() * 2),
            priority: Math.floor(rand() * 3),
            ...(rand() < 0.5 ? { minW: 200 + Math.floor(rand() * 300) } : {}),
          }),
        );
        const p = plan(site, queue);
        site = apply(site, p);
        const facility = siteSplit(site).facilityW;
        // The plan's own account matches a recount from scratch, and both respect the budget
        // whenever the site started under it.
        expect(p.allocatedW).toBeCloseTo(facility, 6);
        if (p.placements.length > 0) expect(facility).toBeLessThanOrEqual(budgetW(site) + 1e-6);
        for (const pl of p.placements) {
          const gangGpus = pl.nodes.flatMap((n) => n.gpuIndices);
          expect(gangGpus.length).toBe(queue.find((j) => j.id === pl.jobId)!.gpus * pl.nodes.length);
        }
      }
    }
  });
});
