import { describe, expect, it } from 'vitest';
import { chartSvg } from './chart.js';
import { buildResult, jain, summaryText } from './report.js';
import { Series } from './series.js';
import { Engine } from './engine.js';
import { defaultPolicy, percentile } from '@wattpack/scheduler/core';
import { tinySite, tinyTrace } from './fixtures.js';

const KEYS = [
  'policy', 'jobs', 'meanJctS', 'p50JctS', 'p99JctS', 'meanWaitS', 'makespanS', 'gpuUtil', 'meanFacilityMw', 'capUseWhileWaiting', 'capViolations',
  'energyMwh', 'allocatedMwh', 'usefulGpuHPerMwh', 'reclaimedMw', 'jobsAdmittedByReclaim', 'usefulWorkGpuH', 'miningRevenueUsd', 'aiRevenueUsd', 'jainFairness', 'site', 'trace', 'wallS', 'placements',
];

describe('report', () => {
  it('nearest-rank percentiles', () => {
    const xs = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(xs, 0.5), percentile(xs, 0.99), percentile(xs, 1)]).toEqual([50, 99, 100]);
    expect(percentile(new Float64Array(0), 0.5)).toBe(0);
  });

  it("Jain's index: 1 when equal, 1/n when one team gets everything", () => {
    expect(jain([0.5, 0.5, 0.5])).toBe(1);
    expect(jain([1, 0, 0, 0])).toBe(0.25);
    expect(jain([1, 0.5])).toBeCloseTo(2.25 / 2.5, 12);
    expect(jain([])).toBe(1);
  });

  it('builds the result from a run: every key, revenue from the site prices', () => {
    const site = tinySite({ miners: { count: 10, model: 'S19 XP', hashrateThs: 140, powerW: 3010, hashpriceUsdPerThDay: 0.05 } });
    const stats = new Engine({ site, trace: tinyTrace([{ durationS: 3600, team: 'a' }, { durationS: 3600, team: 'b', submitS: 10 }]), policy: defaultPolicy('fifo') }).run();
    const r = buildResult(stats, { policy: 'fifo', site, trace: 'tiny', loadScale: 1, cycleS: 30, wallS: 0.5 });
    for (const k of KEYS) expect(r).toHaveProperty(k);
    expect(r.jobs).toBe(2);
    expect(r.makespanS).toBe(7200);
    expect(r.usefulWorkGpuH).toBe(16);
    expect(r.aiRevenueUsd).toBe(32);
    // 10 miners x 140 TH/s x 0.05 USD per TH/s-day, over the makespan.
    expect(r.miningRevenueUsd).toBeCloseTo((1400 * 0.05 * 7200) / 86400, 2);
    expect(r.capViolations).toBe(0);
    // Team a: 1 h of work in 1 h in the system; team b, submitted at 10 s, starts when a ends at 3,600 s.
    expect(r.jainFairness).toBeCloseTo(jain([1, 3600 / 7190]), 4);
    expect(summaryText(r)).toMatch(/fifo on tiny, trace tiny\n {2}jobs +2 finished of 2\n/);
    expect(summaryText(r)).toMatch(/cap violations +0\n/);
  });

  it('the series keeps time-weighted means in at most 2,000 points', () => {
    const s = new Series(30, 64);
    // 10 days: 1 MW of GPU servers for the first half, 2 MW after; queue 4 throughout.
    s.add(0, 5 * 86400, 1e6, 0.5e6, 3e6, 4);
    s.add(5 * 86400, 10 * 86400, 2e6, 0.5e6, 3e6, 4);
    const points = s.points(20);
    expect(points.length).toBeLessThanOrEqual(20);
    const mean = points.reduce((a, p) => a + p.gpuServersMw, 0) / points.length;
    expect(mean).toBeCloseTo(1.5, 1);
    expect(points[0]).toMatchObject({ tS: 0, gpuServersMw: 1, minersMw: 0.5, capMw: 3, queued: 4 });
    expect(points.at(-1)!.gpuServersMw).toBe(2);
  });

  it('draws the chart as SVG: power stacked by load, the cap, the queue', async () => {
    const points = Array.from({ length: 50 }, (_, i) => ({ tS: i * 3600, gpuServersMw: 10 + (i % 5), minersMw: 7, capMw: i > 20 && i < 23 ? 12 : 18, queued: i % 7 }));
    const svg = await chartSvg(points, 'fifo · test');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of ['GPU servers', 'miners', 'cap', 'facility MW', 'jobs queued', 'time (hours)', 'fifo · test']) expect(svg).toContain(text);
  });
});
