import { describe, expect, it } from 'vitest';
import { defaultSiteConfig, jobSpecSchema, type Job } from '@wattpack/common';
import { Compliance } from './compliance.js';

const T0 = 1_800_000_000_000;
const site = { ...defaultSiteConfig(), gridEvents: [{ startMs: T0, durationS: 3 * 3600, capMw: 12, noticeS: 0, reduceFraction: 0.25, baselineW: 16e6 }] };

function job(id: string, history: Job['limitHistory']): Job {
  const spec = jobSpecSchema.parse({ name: id, command: ['x'], gpus: 8, power: { minWatts: 200, maxWatts: 700 } });
  return { id, spec, owner: 'a', state: 'RUNNING', reason: '', submittedAt: 0, attempt: 1, attemptId: `${id}-a1`, assignments: [], powerLimitW: 700, allocatedFacilityW: 0, limitHistory: history } as Job;
}

describe('the compliance record of grid events', () => {
  it('keeps target against metered power per minute, the time to target, and the jobs slowed with the throughput they kept', () => {
    const c = new Compliance();
    c.observe(site, T0 - 1000, 16e6); // before the event: not recorded
    c.observe(site, T0 + 1000, 15.9e6);
    c.observe(site, T0 + 20_000, 12.5e6);
    c.observe(site, T0 + 31_000, 11.9e6);
    c.observe(site, T0 + 61_000, 11.8e6);
    const jobs = [
      job('flexible', [{ at: T0 - 600_000, limitW: 700, why: 'placed' }, { at: T0 + 5000, limitW: 268, why: 'shed' }]),
      job('rigid', [{ at: T0 - 600_000, limitW: 700, why: 'placed' }]),
    ];
    const [r] = c.reports(jobs);
    expect(r).toMatchObject({ startMs: T0, targetW: 12e6, baselineW: 16e6, reachedAfterS: 31 });
    expect(r!.intervals).toEqual([
      { startMs: T0, targetW: 12e6, meanW: (15.9e6 + 12.5e6 + 11.9e6) / 3, maxW: 15.9e6 },
      { startMs: T0 + 60_000, targetW: 12e6, meanW: 11.8e6, maxW: 11.8e6 },
    ]);
    expect(r!.slowed).toHaveLength(1);
    expect(r!.slowed[0]).toMatchObject({ jobId: 'flexible', fromW: 700, toW: 268 });
    expect(r!.slowed[0]!.throughputKept).toBeCloseTo(0.5, 2);
  });

  it('has nothing to say before any event', () => {
    expect(new Compliance().reports([])).toEqual([]);
  });
});
