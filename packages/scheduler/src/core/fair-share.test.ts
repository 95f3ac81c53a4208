import { describe, expect, it } from 'vitest';
import { buildJob, buildSite } from '../testing/index.js';
import { FairShare } from './order.js';
import { plan } from './plan.js';
import { defaultPolicy } from './policy.js';

/** One 8-GPU node, two teams with one 8-GPU job each: only one can start. Team a asked first. */
function contest(history?: Record<string, { gpuHours: number; facilityKwh: number }>) {
  const site = buildSite({ nodes: 1 });
  const a = buildJob({ gpus: 8, team: 'a' });
  const b = buildJob({ gpus: 8, team: 'b' });
  const policy = defaultPolicy('wattpack', history ? { history } : {});
  return { site, a, b, policy, started: plan(site, [a, b], policy).placements.map((p) => p.jobId) };
}

describe('fair share with decayed past usage', () => {
  it('without history, the team that asked first starts first', () => {
    const { a, started } = contest();
    expect(started).toEqual([a.id]);
  });

  it('a team that used more of the site lately waits for one that used less', () => {
    const { b, started } = contest({ a: { gpuHours: 100, facilityKwh: 70 }, b: { gpuHours: 10, facilityKwh: 7 } });
    expect(started).toEqual([b.id]);
  });

  it('the factor is 2^(-usage/share) on the dominant resource, as docs/scheduling.md says', () => {
    const { site, a, b, policy } = contest({ a: { gpuHours: 100, facilityKwh: 30 }, b: { gpuHours: 10, facilityKwh: 70 } });
    const standing = new FairShare(site, [a, b], policy).standing();
    // Equal shares (0.5 each). a: GPU-hours dominate (100/110); b: energy does (70/100).
    expect(standing.map((s) => [s.team, s.shareGpus, s.normalizedUsage])).toEqual([
      ['a', 0.5, 100 / 110],
      ['b', 0.5, 0.7],
    ]);
    expect(standing[0]!.factor).toBeCloseTo(2 ** -((100 / 110) / 0.5), 12);
    expect(standing[1]!.factor).toBeCloseTo(2 ** -(0.7 / 0.5), 12);
  });

  it('configured shares weigh the usage: a team with a bigger share may use more for the same factor', () => {
    const site = buildSite({ nodes: 1 });
    const a = buildJob({ gpus: 8, team: 'a' });
    const b = buildJob({ gpus: 8, team: 'b' });
    // a holds 3/4 of the GPUs and watts and used 70 % of the GPU-hours: under its share; b used 30 % of a 1/4 share.
    const policy = defaultPolicy('wattpack', { teams: { a: { gpus: 6, mw: 0.03 }, b: { gpus: 2, mw: 0.01 } }, history: { a: { gpuHours: 70, facilityKwh: 70 }, b: { gpuHours: 30, facilityKwh: 30 } } });
    expect(plan(site, [a, b], policy).placements.map((p) => p.jobId)).toEqual([a.id]);
    // With equal shares the same history puts b first: a used 70 % of a 50 % share.
    expect(plan(site, [a, b], { ...policy, teams: {} }).placements.map((p) => p.jobId)).toEqual([b.id]);
  });

  it('history never puts a team over its current share ahead of one under it', () => {
    const site = buildSite({ nodes: 2 });
    site.nodes[0]!.gpus.forEach((g) => Object.assign(g, { jobId: 'a-big', limitW: 700 }));
    site.running.push({ id: 'a-big', team: 'a', priority: 100, startedAt: 0, expectedEndAt: 3600_000, gpus: 8, nodes: 1, powerLimitW: 700, preemptible: true });
    const a = buildJob({ gpus: 8, team: 'a' });
    const b = buildJob({ gpus: 8, team: 'b' });
    // b used far more in the past, but a holds its whole share now.
    const policy = defaultPolicy('wattpack', { history: { a: { gpuHours: 0, facilityKwh: 0 }, b: { gpuHours: 1000, facilityKwh: 700 } } });
    expect(plan(site, [a, b], policy).placements.map((p) => p.jobId)).toEqual([b.id]);
  });
});
