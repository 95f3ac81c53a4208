import { describe, expect, it } from 'vitest';
import { defaultPolicy, type Plan, type SiteSnapshot } from '@wattpack/scheduler/core';
import { Engine, type Planner } from './engine.js';
import { tinySite, tinyTrace } from './fixtures.js';
import { buildResult, summaryText } from './report.js';
import { parseSiteFile } from './site-file.js';
import { demandW, relativeSpeed, SHAPES } from './workload.js';

const BUSY_NODE_W = 1.2 * (8 * 700 + 2500); // 9,720 W
const IDLE_NODE_W = 1.2 * (8 * 110 + 1000); // 2,256 W
const TRAIN = SHAPES.indexOf('train');
const all8 = [0, 1, 2, 3, 4, 5, 6, 7];
const empty = (): Plan => ({ placements: [], waiting: [], preemptions: [], powerChanges: [], curtail: [], resume: [], nodePower: { suspend: [], resume: [], down: [] }, shed: false, allocatedW: 0, budgetW: Infinity });

describe('grid events in the simulator', () => {
  it('a -25 % cut: target from the drawn watts, time to target, seconds over, and GPU-weighted job performance by hand', () => {
    // Two 8-GPU train jobs at 700 W on two nodes; the cut is announced and starts at 100 s for 200 s.
    const site = tinySite({ flexMix: { '25': 1 }, gridEvents: [{ atS: 100, durationS: 200, reducePct: 25 }] }, 2);
    const trace = tinyTrace([{ durationS: 10_000 }, { durationS: 10_000 }]);
    const seen: (number | undefined)[] = [];
    let preemptedAt = NaN;
    // At the start the script lowers j000000 to 400 W only (still over the target); at the next pass it preempts j000001.
    const planner: Planner = (snap: SiteSnapshot) => {
      const t = snap.now / 1000;
      if (t === 0) {
        return { ...empty(), placements: ['n-0000', 'n-0001'].map((nodeId, k) => ({ jobId: `j00000${k}`, nodes: [{ nodeId, gpuIndices: all8, gpuModel: 'H100' }], powerLimitW: 700, facilityW: 0 })) };
      }
      seen.push(...snap.running.map((r) => r.flex));
      if (t === 100) return { ...empty(), powerChanges: [{ jobId: 'j000000', powerLimitW: 400, why: 'shed' }] };
      if (t > 100 && Number.isNaN(preemptedAt)) {
        preemptedAt = t;
        return { ...empty(), preemptions: [{ jobId: 'j000001', reason: 'shed' }] };
      }
      return empty();
    };
    const stats = new Engine({ site, trace, policy: defaultPolicy('wattpack'), planner, untilS: 400 }).run();
    expect(seen[0]).toBe(25);
    const [e] = stats.gridEvents;
    // The baseline is what the facility draws (a train job at level 1 draws under 700 W); the cap holds the allocated limits.
    const drawnW = 2 * 1.2 * (8 * demandW(TRAIN, 1, 700, 110) + 2500);
    const targetW = 0.75 * drawnW;
    expect(e).toMatchObject({ startS: 100, endS: 300, reducePct: 25, jobs: 2, gpus: 16 });
    expect(e!.baselineMw).toBeCloseTo(drawnW / 1e6, 4);
    expect(e!.targetMw).toBeCloseTo(targetW / 1e6, 4);
    // 400 W on one node still leaves 16,560 W over the target: over until the preemption (the warm-up's pass at 120 s).
    expect(preemptedAt).toBe(120);
    expect(1.2 * (8 * 400 + 2500) + BUSY_NODE_W).toBeGreaterThan(targetW);
    expect(1.2 * (8 * 400 + 2500) + IDLE_NODE_W).toBeLessThan(targetW);
    expect(e!.timeToTargetS).toBe(20);
    expect(e!.violationS).toBe(20);
    // j000000 ran at the curve's value at 400 W all event; j000001 at full speed for 20 s of 200, then not at all.
    const atFloor = relativeSpeed(TRAIN, 400, demandW(TRAIN, 1, 700, 110));
    expect(atFloor).toBeLessThan(1);
    expect(e!.performance).toBeCloseTo((8 * atFloor + 8 * 0.1) / 16, 4);
    // When announced (at the start: no notice) both flex-25 jobs were at 700 W: each could give 8 x (700 - the limit that keeps 75 %).
    const keep75 = [...Array(501).keys()].map((k) => 200 + k).find((w) => relativeSpeed(TRAIN, w, demandW(TRAIN, 1, 700, 110)) >= 0.75)!;
    expect(e!.limitHeadroomMw).toBeCloseTo((2 * 1.2 * 8 * (700 - keep75)) / 1e6, 4);
    expect(e!.byFlex['25']).toEqual({ jobs: 2, gpus: 16, performance: e!.performance });
    expect(e!.heldAtStart).toEqual({ jobs: 2, gpus: 16, performance: e!.performance });
    const result = buildResult(stats, { policy: 'scripted', site, trace: 'tiny', loadScale: 1, cycleS: 30, wallS: 0 });
    expect(result.gridEvents).toEqual(stats.gridEvents);
    expect(summaryText(result)).toMatch(/grid event +1m40s-5m0s to 0\.014 MW \(-25 % of 0\.018 MW drawn\): target in 20s, 20s over/);
  });

  it('a job started during the event counts from its own start; heldAtStart leaves it out', () => {
    // j000000 runs from 0 s, lowered to 400 W at the event's start (100 s); j000001 arrives at 200 s and runs at 700 W
    // (the target, 1 MW, leaves room for both).
    const site = tinySite({ gridEvents: [{ atS: 100, durationS: 200, capMw: 1 }] }, 2);
    const trace = tinyTrace([{ durationS: 10_000 }, { submitS: 200, durationS: 10_000 }]);
    let loweredAt = NaN;
    const planner: Planner = (snap: SiteSnapshot, queue) => {
      const t = snap.now / 1000;
      if (t >= 100 && Number.isNaN(loweredAt)) {
        loweredAt = t;
        return { ...empty(), powerChanges: [{ jobId: 'j000000', powerLimitW: 400, why: 'shed' }] };
      }
      const placements = queue.map((q) => ({ jobId: q.id, nodes: [{ nodeId: q.id === 'j000000' ? 'n-0000' : 'n-0001', gpuIndices: all8, gpuModel: 'H100' }], powerLimitW: 700, facilityW: 0 }));
      return { ...empty(), placements };
    };
    const stats = new Engine({ site, trace, policy: defaultPolicy('wattpack'), planner, untilS: 400 }).run();
    const [e] = stats.gridEvents;
    const atFloor = relativeSpeed(TRAIN, 400, demandW(TRAIN, 1, 700, 110));
    const first = ((loweredAt - 100) * 1 + (300 - loweredAt) * atFloor) / 200;
    expect(loweredAt).toBeLessThan(200);
    expect(e).toMatchObject({ jobs: 2, gpus: 16 });
    expect(e!.performance).toBeCloseTo((8 * first + 8 * 1) / 16, 4);
    expect(e!.heldAtStart.jobs).toBe(1);
    expect(e!.heldAtStart.gpus).toBe(8);
    expect(e!.heldAtStart.performance).toBeCloseTo(first, 4);
  });

  it('the core meets a -25 % cut at once with 0 s over; the performance is the GPU-weighted mean of its classes', () => {
    // Four 8-GPU jobs for 5 h; the cut: -25 % for 3 h from 10 min, announced 5 min ahead.
    const site = tinySite({ flexMix: { '0': 0.25, '10': 0.25, '25': 0.25, '50': 0.25 }, gridEvents: [{ atS: '10m', durationS: '3h', reducePct: 25, noticeS: '5m' }] }, 4);
    const trace = tinyTrace(Array.from({ length: 4 }, () => ({ durationS: 5 * 3600 })));
    const stats = new Engine({ site, trace, policy: defaultPolicy('wattpack'), untilS: 4 * 3600 }).run();
    const [e] = stats.gridEvents;
    expect(e).toMatchObject({ startS: 600, endS: 600 + 3 * 3600, timeToTargetS: 0, violationS: 0, jobs: 4, gpus: 32 });
    // Four nodes drawing: the cut is a quarter of that.
    expect(e!.baselineMw).toBeCloseTo((4 * 1.2 * (8 * demandW(TRAIN, 1, 700, 110) + 2500)) / 1e6, 4);
    expect(e!.targetMw).toBeCloseTo(0.75 * e!.baselineMw!, 4);
    expect(stats.capViolationS).toBe(0);
    expect(e!.meanFacilityMw).toBeLessThanOrEqual(e!.targetMw);
    const classes = Object.values(e!.byFlex);
    expect(classes.reduce((a, c) => a + c.gpus, 0)).toBe(32);
    expect(e!.performance).toBeCloseTo(classes.reduce((a, c) => a + c.gpus * c.performance, 0) / 32, 3);
    expect(e!.performance).toBeLessThan(1);
  });

  it('a grid event names its field when it has both a target and a cut, or neither', () => {
    const base = { name: 'x', site: { capMw: 1, pue: 1.2 }, nodeGroups: tinySite().nodeGroups, workloadMix: { train: 1 } };
    expect(() => parseSiteFile({ ...base, gridEvents: [{ atS: 0, durationS: 10, capMw: 1, reducePct: 25 }] })).toThrow(/gridEvents\.0: give either capMw \(a target\) or reducePct \(a cut\)/);
    expect(() => parseSiteFile({ ...base, gridEvents: [{ atS: 0, durationS: 10, reducePct: 100 }] })).toThrow(/gridEvents\.0\.reducePct/);
    expect(() => parseSiteFile({ ...base, flexMix: { '5': 1 } })).toThrow(/flexMix/);
    expect(() => parseSiteFile({ ...base, flexMix: { '0': 0.5 } })).toThrow(/flexMix: fractions must sum to 1/);
  });
});
