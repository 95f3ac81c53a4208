import { describe, expect, it } from 'vitest';
import { defaultPolicy, type Plan, type SiteSnapshot } from '@wattpack/scheduler/core';
import { Engine, type Planner } from './engine.js';
import { tinySite, tinyTrace } from './fixtures.js';
import { parseSiteFile } from './site-file.js';

const empty = (): Plan => ({ placements: [], waiting: [], preemptions: [], powerChanges: [], curtail: [], resume: [], nodePower: { suspend: [], resume: [], down: [] }, shed: false, allocatedW: 0, budgetW: Infinity });
const all8 = [0, 1, 2, 3, 4, 5, 6, 7];

/**
 * One 8-GPU job of 2,000 s of work, checkpointing every 600 s: placed at 0, preempted at
 * 1,000 s (the work since its checkpoint at 600 s is lost), placed again at 1,030 s.
 */
function run(restartTime: number | string, event = false) {
  const site = tinySite({ jobDefaults: { preemptible: true, restartTime }, ...(event ? { gridEvents: [{ atS: 900, durationS: 1200, capMw: 0.5 }] } : {}) });
  const placement = { jobId: 'j000000', nodes: [{ nodeId: 'n-0000', gpuIndices: all8, gpuModel: 'H100' }], powerLimitW: 700, facilityW: 0 };
  const planner: Planner = (snap: SiteSnapshot) => {
    const t = snap.now / 1000;
    if (t === 0 || t === 1030) return { ...empty(), placements: [placement] };
    if (t === 1000) return { ...empty(), preemptions: [{ jobId: 'j000000', code: 'consolidate', reason: 'moved' }] };
    return empty();
  };
  // Two jobs the script never places arrive at 1,000 and 1,030 s: the passes there.
  const trace = tinyTrace([{ durationS: 2000 }, { submitS: 1000 }, { submitS: 1030 }]);
  return new Engine({ site, trace, policy: defaultPolicy('wattpack'), planner, cycleS: 10, untilS: 3000, recordJobs: true }).run();
}

describe('restart after a preemption (jobDefaults.restartTime)', () => {
  it('makes no progress while it restores its checkpoint, then runs at its speed', () => {
    // 600 s saved; 1,400 s left from 1,030 s: done at 2,430 s, or 300 s later with a 5-minute restart.
    expect(run(0).jobs![0]).toMatchObject({ endS: 2430, preemptions: 1 });
    expect(run('5m').jobs![0]).toMatchObject({ endS: 2730, preemptions: 1 });
  });

  it('counts as 0 in a grid event’s job performance while it restores', () => {
    // In an event (one that does not bind) from 900 to 2,100 s: running 100 s, out 30 s, restoring 300 s, then running.
    const [e] = run('5m', true).gridEvents;
    expect(e!.performance).toBeCloseTo((1200 - 30 - 300) / 1200, 3);
    expect(run(0, true).gridEvents[0]!.performance).toBeCloseTo((1200 - 30) / 1200, 3);
  });

  it('names the field when the restart time is not a duration', () => {
    expect(() => tinySite({ jobDefaults: { preemptible: true, restartTime: 'soon' } })).toThrow(/jobDefaults\.restartTime/);
    expect(parseSiteFile({ name: 'x', site: { capMw: 1, pue: 1.2 }, nodeGroups: tinySite().nodeGroups, workloadMix: { train: 1 } }).jobDefaults.restartTime).toBe(0);
  });
});
