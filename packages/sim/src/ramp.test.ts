import { describe, expect, it } from 'vitest';
import { defaultPolicy, rampWPerS, type Plan, type QueuedJob, type SiteSnapshot } from '@wattpack/scheduler/core';
import { Engine, type Planner } from './engine.js';
import { tinySite, tinyTrace } from './fixtures.js';

const empty = (): Plan => ({ placements: [], waiting: [], preemptions: [], powerChanges: [], curtail: [], resume: [], nodePower: { suspend: [], resume: [], down: [] }, shed: false, allocatedW: 0, budgetW: Infinity });
const all8 = [0, 1, 2, 3, 4, 5, 6, 7];

/** Each queued job starts on the next node, at 700 W, in the pass that sees it. */
const startEach: Planner = (snap: SiteSnapshot, queue: readonly QueuedJob[]) => ({
  ...empty(),
  placements: queue.map((q, k) => ({ jobId: q.id, nodes: [{ nodeId: `n-000${snap.running.length + k}`, gpuIndices: all8, gpuModel: 'H100' }], powerLimitW: 700, facilityW: 0 })),
});

/**
 * Two 8-GPU jobs of 600 s on two idle nodes, the second submitted `secondAtS` after the first,
 * under a ramp limit of 10 kW a minute. A job starting on an idle node adds
 * 1.2 x (8 x (700 - 110) + 1,500) = 7,464 W: one alone is under the limit, two within a minute over it.
 */
function twoStarts(secondAtS: number): { finished: number; rampExcursions: number } {
  const site = tinySite({ site: { capMw: 1, pue: 1.2, reserveFraction: 0.02, rampMwPerMin: 0.01, prices: { energyPerMwh: 50, gpuHour: 2 } } }, 2);
  const trace = tinyTrace([
    { submitS: 0, durationS: 600 },
    { submitS: secondAtS, durationS: 600 },
  ]);
  return new Engine({ site, trace, policy: defaultPolicy('fifo'), planner: startEach, untilS: 2000 }).run();
}

describe('ramp excursions in the simulator', () => {
  it('counts a rise over rampMwPerMin within a minute, in steps too, and not the same fall when the jobs end', () => {
    // Starts 30 s apart rise 14.9 kW within a minute; the ends, 30 s apart, fall as far (not counted).
    expect(twoStarts(30)).toMatchObject({ finished: 2, rampExcursions: 1 });
  });

  it('counts nothing for rises a minute and a half apart', () => {
    expect(twoStarts(90)).toMatchObject({ finished: 2, rampExcursions: 0 });
  });

  it('agrees with the core: watts that fell when jobs ended are taken back no faster than the ramp', () => {
    // Two jobs end together at 610 s, between passes (every 30 s), while two wait for their
    // GPUs: refilling both in the pass at 630 s would rise 14.9 kW within 20 s, over the
    // 10 kW a minute the site allows (the ceiling from the last pass's level did: 2 excursions).
    const site = tinySite({ site: { capMw: 1, pue: 1.2, reserveFraction: 0.02, rampMwPerMin: 0.01, prices: { energyPerMwh: 50, gpuHour: 2 } } }, 2);
    const trace = tinyTrace([
      { submitS: 0, durationS: 610 },
      { submitS: 0, durationS: 610 },
      { submitS: 570, durationS: 600 },
      { submitS: 570, durationS: 600 },
    ]);
    const policy = defaultPolicy('wattpack', { rampWPerS: rampWPerS(0.01) });
    // The first pass has no earlier level to ramp from: the first two start together, the one excursion.
    expect(new Engine({ site, trace, policy, untilS: 4000 }).run()).toMatchObject({ finished: 4, rampExcursions: 1 });
  });
});
