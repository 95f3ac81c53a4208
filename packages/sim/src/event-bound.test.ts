import { describe, expect, it } from 'vitest';
import { policyFromSite } from '@wattpack/scheduler/core';
import { Engine } from './engine.js';
import { boundAtEvent } from './event-bound-run.js';
import { eventBound, type BoundJob, type BoundNode, type LimitOption } from './event-bound.js';
import { tinySite, tinyTrace } from './fixtures.js';

const node = (id: string): BoundNode => ({ id, gpus: 8, idleW: 110, hostBusyW: 2500, standbyW: 40 });
const linear: LimitOption[] = [
  { limitW: 200, speed: 0.5 },
  { limitW: 700, speed: 1 },
];
const job = (id: string, nodes: string[], gpus = 8, flex = 10, options = linear): BoundJob => ({
  id,
  flex,
  gpus,
  gpusPerNode: gpus / nodes.length,
  nodes,
  options,
  weight: gpus,
});

describe('eventBound', () => {
  it('keeps every job at full speed when the target leaves room', () => {
    const r = eventBound({ pue: 1.2, targetW: 1e6, nodes: [node('a'), node('b')], jobs: [job('x', ['a']), job('y', ['b'])] });
    expect(r.feasible).toBe(1);
    expect(r.upper).toBe(1);
    expect(r.stoppedJobs).toBe(0);
  });

  it('stops a whole server when slowing both cannot meet the target', () => {
    // Both on at 200 W: 2 × (2500 + 1600) = 8200 W > 8140 W; one at 700 W and one off: 8100 + 40.
    const r = eventBound({ pue: 1, targetW: 8140, nodes: [node('a'), node('b')], jobs: [job('x', ['a']), job('y', ['b'])] });
    expect(r.feasible).toBe(0.5);
    expect(r.facilityW).toBeLessThanOrEqual(8140);
    expect(r.stoppedJobs).toBe(1);
    expect(r.upper).toBeGreaterThanOrEqual(0.5);
    expect(r.upper).toBeLessThan(0.75);
  });

  it('counts a stopped job on a server that stays on at idle, and keeps flex 0 at full', () => {
    // One server, two 4-GPU jobs: stopping one frees 4 × (700 − 110); its host stays on.
    const jobs = [job('x', ['a'], 4, 0), job('y', ['a'], 4, 50)];
    const full = 2500 + 8 * 700 + 40;
    const r = eventBound({ pue: 1, targetW: full - 4 * 590, nodes: [node('a'), node('b')], jobs, keepFlex0: true });
    expect(r.byFlex['0']).toBe(1);
    expect(r.feasible).toBeGreaterThanOrEqual(0.5);
    // Without the promise the bound can only be higher.
    const free = eventBound({ pue: 1, targetW: full - 4 * 590, nodes: [node('a'), node('b')], jobs });
    expect(free.upper).toBeGreaterThanOrEqual(r.upper - 1e-9);
  });

  it('lies between a schedule it found and the best of every schedule, on small random sites', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let trial = 0; trial < 30; trial++) {
      const nodes = [node('a'), node('b'), node('c')];
      const jobs: BoundJob[] = [];
      for (let k = 0; k < 4; k++) {
        const where = k === 3 ? ['b', 'c'] : [nodes[Math.floor(rnd() * 3)]!.id];
        const opts: LimitOption[] = [200, 350, 500, 700].map((w, i) => ({ limitW: w, speed: Math.min(1, 0.4 + 0.2 * i + 0.1 * rnd()) }));
        jobs.push(job(`j${k}`, where, where.length * 2, 10, opts));
      }
      const targetW = 1.2 * (120 + 2500 + rnd() * 12000);
      const r = eventBound({ pue: 1.2, targetW, nodes, jobs });
      const best = bruteForce(nodes, jobs, 1.2, targetW);
      expect(r.facilityW).toBeLessThanOrEqual(targetW + 1e-6);
      expect(r.feasible).toBeLessThanOrEqual(best + 1e-4);
      expect(r.upper).toBeGreaterThanOrEqual(best - 1e-4);
    }
  });
});

/** Every choice of a limit (or stop) for every job: the true best mean under the target. */
function bruteForce(nodes: BoundNode[], jobs: BoundJob[], pue: number, targetW: number): number {
  const gpus = jobs.reduce((s, j) => s + j.gpus, 0);
  let best = 0;
  const pick = (k: number, chosen: (LimitOption | undefined)[]): void => {
    if (k === jobs.length) {
      let it = 0;
      for (const n of nodes) {
        const on = jobs.filter((j, i) => chosen[i] && j.nodes.includes(n.id));
        if (on.length === 0) it += n.standbyW;
        else {
          const held = on.reduce((s, j) => s + j.gpusPerNode, 0);
          it += n.hostBusyW + (n.gpus - held) * n.idleW + on.reduce((s, j) => s + j.gpusPerNode * chosen[jobs.indexOf(j)]!.limitW, 0);
        }
      }
      if (pue * it <= targetW) best = Math.max(best, jobs.reduce((s, j, i) => s + j.weight * (chosen[i]?.speed ?? 0), 0) / gpus);
      return;
    }
    for (const o of [undefined, ...jobs[k]!.options]) pick(k + 1, [...chosen, o]);
  };
  pick(0, []);
  return best;
}

describe('boundAtEvent', () => {
  it('bounds from above what wattpack did with the same jobs, and reports wattpack from the same replay', () => {
    // Six jobs on four servers for 5 h; -25 % for 3 h from 10 min, announced 5 min ahead.
    const site = tinySite({ flexMix: { '0': 0.25, '10': 0.25, '25': 0.25, '50': 0.25 }, gridEvents: [{ atS: '10m', durationS: '3h', reducePct: 25, noticeS: '5m' }] }, 4);
    const trace = tinyTrace([8, 8, 4, 4, 2, 2].map((gpus) => ({ gpus, durationS: 5 * 3600 })));
    const r = boundAtEvent({ site, trace, loadScale: 1 }) as Record<string, any>;
    const stats = new Engine({ site, trace, policy: policyFromSite('wattpack', site.site, { checkpointIntervalS: 600 }), untilS: 600 + 3 * 3600 }).run();
    expect(r.wattpack).toEqual({ ...stats.gridEvents[0], preemptionsInRun: stats.preemptions, capViolationsInRun: stats.capViolations });
    expect(r.running.jobs).toBe(6);
    expect(r.targetMw).toBeCloseTo(stats.gridEvents[0]!.targetMw, 4);
    const over = r.boundOverEvent;
    expect(over.freeMoves.upper).toBeGreaterThanOrEqual(r.wattpack.heldAtStart.performance - 1e-4);
    expect(over.freeMoves.upper).toBeGreaterThanOrEqual(over.placed.upper - 1e-9);
    expect(over.placed.upper).toBeGreaterThanOrEqual(over.placedFlex0Full.upper - 1e-9);
    expect(over.placed.feasible).toBeLessThanOrEqual(over.placed.upper + 1e-9);
    // Limits alone cannot meet this cut: wattpack stops jobs in its pass for the event, and the jobs lose.
    expect(r.wattpackShedPass.stoppedJobs).toBeGreaterThan(0);
    // The same pass under the order before and each part alone (to measure them apart) stops jobs too.
    for (const v of ['classOrderIdleCount', 'valueOrderOnly', 'emptiedOffCountOnly']) expect(r.wattpackShedPassVariants[v].stoppedJobs).toBeGreaterThan(0);
    expect(r.wattpack.heldAtStart.performance).toBeLessThan(1);
  });
});
