import { describe, expect, it } from 'vitest';
import { siteConfigSchema } from '@wattpack/common';
import { buildJob, buildSite, runOn } from '../testing/index.js';
import { plan } from './plan.js';
import { defaultPolicy, type PowerSavingPolicy } from './policy.js';
import { policyFromSite } from './policy-from-site.js';
import type { QueuedJob, RunningJob, SiteSnapshot } from './snapshot.js';
import { siteSplit } from './watts.js';

const MIN = 60_000;
const saving = (extra: Partial<PowerSavingPolicy> = {}) =>
  defaultPolicy('wattpack', { powerSaving: { suspendAfterS: 600, resumeTimeoutS: 900, minIdleNodes: 0, excludeNodes: new Set(), consolidateAfterS: 1800, ...extra } });

/**
 * Four busy 8-GPU servers at 40 W standby, an hour in: n0 holds a flexible 6-GPU job (2
 * GPUs free), n1 one small flexible job ("light"), n2 and n3 flex-0 jobs on every GPU.
 * The cap then falls by `cutW` facility watts.
 */
function site(light: Partial<RunningJob> = {}, cutW = 1.2 * 1400): SiteSnapshot {
  const s = buildSite({ nodes: 4 });
  s.now = 60 * MIN;
  for (const n of s.nodes) n.standbyW = 40;
  const long = { expectedEndAt: 24 * 60 * MIN };
  runOn(s, { id: 'wide', flex: 50, ...long }, ['n0'], 6);
  runOn(s, { id: 'light', flex: 25, ...long, ...light }, ['n1'], light.gpus ?? 1);
  runOn(s, { id: 'rigid2', flex: 0, ...long }, ['n2'], 8);
  runOn(s, { id: 'rigid3', flex: 0, ...long }, ['n3'], 8);
  s.capW = (siteSplit(s).facilityW - cutW) / (1 - s.reserveFraction);
  return s;
}

/** Three servers at 40 W standby, an hour in, one job each on n0, n1, n2 (job, GPUs); the cap then falls by `cutW`. */
function threeServers(jobs: Array<[Partial<RunningJob> & { id: string }, number]>, cutW: number): SiteSnapshot {
  const s = buildSite({ nodes: 3 });
  s.now = 60 * MIN;
  for (const n of s.nodes) n.standbyW = 40;
  jobs.forEach(([job, gpus], k) => runOn(s, job, [`n${k}`], gpus));
  s.capW = (siteSplit(s).facilityW - cutW) / (1 - s.reserveFraction);
  return s;
}

describe('consolidation while shedding', () => {
  it('moves the light server’s job onto free GPUs of a busy one instead of slowing anyone', () => {
    const s = site();
    const p = plan(s, [], saving());
    expect(p.shed).toBe(true);
    expect(p.preemptions).toEqual([{ jobId: 'light', code: 'consolidate', reason: expect.stringContaining('n1') }]);
    expect(p.powerChanges).toEqual([]);
    expect(p.allocatedW).toBeLessThanOrEqual(p.budgetW);
    // Without it, the same cut lowers flexible jobs' limits.
    const without = plan(s, [], saving({ consolidateAfterS: undefined }));
    expect(without.preemptions).toEqual([]);
    expect(without.powerChanges.length).toBeGreaterThan(0);
  });

  it('counts the emptied server on until it is off: the job starts again on the busy one in the next pass, under the cap', () => {
    const s = site();
    // A cut the host's busy-over-idle (1.5 kW) does not cover: the pass may not count the standby yet.
    expect(plan(site({}, 1.2 * 1600), [], saving()).powerChanges.length).toBeGreaterThan(0);
    const first = plan(s, [], saving());
    expect(first.preemptions.map((p) => p.jobId)).toEqual(['light']);
    // The driver checkpoints it: it leaves n1 and waits again at its own submit time.
    s.running = s.running.filter((r) => r.id !== 'light');
    for (const g of s.nodes[1]!.gpus) delete g.jobId, delete g.limitW;
    s.nodes[1]!.idleSinceMs = s.now;
    const light: QueuedJob = buildJob({ id: 'light', gpus: 1, submittedAt: 0, preemptible: true });
    const second = plan(s, [light], saving());
    expect(second.shed).toBe(false);
    expect(second.placements).toMatchObject([{ jobId: 'light', nodes: [{ nodeId: 'n0' }] }]);
    expect(second.allocatedW).toBeLessThanOrEqual(second.budgetW);
    // Then a job waits for the watts n1 idles on (n1 is not where it would run): n1 goes off now, not at its timer.
    runOn(s, { id: 'light', flex: 25, startedAt: s.now }, ['n0'], 1);
    const third = plan(s, [buildJob({ gpus: 1 })], saving());
    expect(third.waiting).toMatchObject([{ code: 'power' }]);
    expect(third.nodePower.suspend).toEqual(['n1']);
  });

  it('never moves a flex-0 job, one that may not be preempted, a gang, or one that ran less than consolidateAfter', () => {
    for (const light of [{ flex: 0 }, { preemptible: false }, { startedAt: 45 * MIN }] as Partial<RunningJob>[]) {
      const p = plan(site(light), [], saving());
      expect(p.preemptions.filter((x) => x.jobId === 'light')).toEqual([]);
    }
    // A 2-node gang on n1 and n2's free GPUs: n2 is pinned by its flex-0 job, n1 by the gang.
    const s = buildSite({ nodes: 3 });
    s.now = 60 * MIN;
    runOn(s, { id: 'wide', flex: 50 }, ['n0'], 6);
    runOn(s, { id: 'gang', flex: 25 }, ['n1', 'n2'], 1);
    s.capW = (siteSplit(s).facilityW - 1.2 * 2000) / (1 - s.reserveFraction);
    expect(plan(s, [], saving()).preemptions.filter((x) => x.jobId === 'gang')).toEqual([]);
  });

  it('moves nothing when no busy server has room: a move must not wake another server', () => {
    // Three GPUs on n1 do not fit in n0's two free ones, and n2, n3 are full.
    const p = plan(site({ gpus: 3 }), [], saving());
    expect(p.preemptions.filter((x) => x.code === 'consolidate')).toEqual([]);
  });

  it('moves only as many servers as the cut needs, lightest first', () => {
    // n0 and n1 both light (2 GPUs, 1 GPU), room on n2: a cut that one move covers moves one.
    const p = plan(threeServers([[{ id: 'a', flex: 10 }, 2], [{ id: 'b', flex: 10 }, 1], [{ id: 'c', flex: 0 }, 4]], 1.2 * 1400), [], saving());
    expect(p.preemptions).toEqual([expect.objectContaining({ jobId: 'b', code: 'consolidate' })]);
  });

  it('fills one busy server’s free GPUs from several light ones', () => {
    // n1 and n2 hold one flexible GPU each; n0's two free GPUs take both, and both go off.
    const p = plan(threeServers([[{ id: 'wide', flex: 0 }, 6], [{ id: 'b', flex: 10 }, 1], [{ id: 'c', flex: 10 }, 1]], 2 * 1.2 * 1400), [], saving());
    expect(p.preemptions.map((x) => [x.jobId, x.code])).toEqual([['b', 'consolidate'], ['c', 'consolidate']]);
    expect(p.powerChanges).toEqual([]);
  });

  it('comes from the site setting powerSaving.consolidateAfter (default never)', () => {
    const parse = (powerSaving: object) => siteConfigSchema.parse({ capMw: 1, powerSaving });
    expect(policyFromSite('wattpack', parse({ enabled: true })).powerSaving!.consolidateAfterS).toBeUndefined();
    expect(policyFromSite('wattpack', parse({ enabled: true, consolidateAfter: '30m' })).powerSaving!.consolidateAfterS).toBe(1800);
    expect(siteConfigSchema.safeParse({ powerSaving: { consolidateAfter: 'soon' } }).error?.issues[0]?.path).toEqual(['powerSaving', 'consolidateAfter']);
  });
});

describe('checkpointing while shedding, with power saving', () => {
  it('stops the jobs of the lightest server together, where they empty it, before jobs on busier ones', () => {
    // All flex 50, same priority, limits that cannot go lower (minW 700): n0 holds a 6-GPU
    // job and the newest 1-GPU job, n1 an older 1-GPU job, n2 a rigid one. A cut only
    // checkpoints can meet: n1's job alone empties n1 and covers it.
    const rigid = { flex: 50, minW: 700 };
    const s = threeServers([[{ id: 'busy', ...rigid, startedAt: 50 * MIN }, 6], [{ id: 'alone', ...rigid, startedAt: 0 }, 1], [{ id: 'other', flex: 0 }, 8]], 0);
    runOn(s, { id: 'newest', ...rigid, startedAt: 59 * MIN }, ['n0'], 1);
    s.capW = (siteSplit(s).facilityW - 1.2 * 1400) / (1 - s.reserveFraction);
    expect(plan(s, [], saving({ consolidateAfterS: undefined })).preemptions.map((x) => x.jobId)).toEqual(['alone']);
    // Without power saving, newest first as before: n0 keeps its host busy, so it takes two.
    expect(plan(s, [], defaultPolicy('wattpack')).preemptions.map((x) => x.jobId)).toEqual(['newest', 'busy']);
  });
});
