import { describe, expect, it } from 'vitest';
import { buildJob, buildSite, runOn } from '../testing/index.js';
import { siteConfigSchema } from '@wattpack/common';
import { plan } from './plan.js';
import { defaultPolicy, type PowerSavingPolicy } from './policy.js';
import { policyFromSite } from './policy-from-site.js';
import type { SiteSnapshot } from './snapshot.js';
import { siteSplit } from './watts.js';

const MIN = 60_000;
const saving = (extra: Partial<PowerSavingPolicy> = {}) =>
  defaultPolicy('wattpack', { powerSaving: { suspendAfterS: 600, resumeTimeoutS: 900, minIdleNodes: 0, excludeNodes: new Set(), ...extra } });

/** Four 8-GPU nodes at 40 W standby: n0 and n1 busy with a flexible and a rigid job, n2 and n3 idle since t=0. */
function site(now = 0): SiteSnapshot {
  const s = buildSite({ nodes: 4 });
  s.now = now;
  for (const n of s.nodes) Object.assign(n, { standbyW: 40, idleSinceMs: 0 });
  runOn(s, { id: 'flexible', flex: 50 }, ['n0'], 8);
  runOn(s, { id: 'rigid', flex: 0, minW: 700 }, ['n1'], 8);
  for (const id of ['n0', 'n1']) delete s.nodes.find((n) => n.id === id)!.idleSinceMs;
  return s;
}

/** An idle node's IT watts: host 1,000 W and 8 idle GPUs at 110 W. */
const IDLE_IT_W = 1000 + 8 * 110;

describe('power saving', () => {
  it('counts a node off at its standby watts, and one suspending (not yet read off by its BMC) or booting at idle', () => {
    const s = site();
    const on = siteSplit(s).facilityW;
    s.nodes[2]!.power = 'off';
    expect(on - siteSplit(s).facilityW).toBeCloseTo(1.2 * (IDLE_IT_W - 40), 6);
    s.nodes[2]!.power = 'suspending';
    expect(siteSplit(s).facilityW).toBeCloseTo(on, 6);
    s.nodes[2]!.power = 'resuming';
    expect(siteSplit(s).facilityW).toBeCloseTo(on, 6);
  });

  it('sheds idle servers before slowing or checkpointing any job, and only as many as the cap needs', () => {
    const s = site();
    // The cap falls by about one idle server's watts: one of the two goes off, nothing else moves.
    s.capW = (siteSplit(s).facilityW - 1.2 * 1500) / (1 - s.reserveFraction);
    const p = plan(s, [], saving());
    expect(p.nodePower.suspend).toHaveLength(1);
    expect(p.powerChanges).toEqual([]);
    expect(p.preemptions).toEqual([]);
    // The server still counts until its BMC reads it off: only its saving brings the site under.
    const savingW = 1.2 * (IDLE_IT_W - 40);
    expect(p.allocatedW).toBeGreaterThan(p.budgetW);
    expect(p.allocatedW - savingW).toBeLessThanOrEqual(p.budgetW);
    // While it powers off, later passes shed nothing more for its watts, and start nothing on them.
    const off = p.nodePower.suspend[0]!;
    s.nodes.find((n) => n.id === off)!.power = 'suspending';
    const next = plan(s, [buildJob({ gpus: 1 })], saving());
    expect(next).toMatchObject({ shed: false, nodePower: { suspend: [] }, powerChanges: [], preemptions: [], placements: [] });
    expect(next.waiting[0]!.code).toBe('power');
  });

  it('slows the flexible job only for what powering off both idle servers cannot give', () => {
    const s = site();
    s.capW = (siteSplit(s).facilityW - 2 * 1.2 * (IDLE_IT_W - 40) - 1.2 * 1000) / (1 - s.reserveFraction);
    const p = plan(s, [], saving());
    expect(p.nodePower.suspend.sort()).toEqual(['n2', 'n3']);
    expect(p.powerChanges.map((c) => c.jobId)).toEqual(['flexible']);
    expect(p.preemptions).toEqual([]);
    // Without power saving, the same cut costs the flexible job far more.
    const without = plan(s, [], defaultPolicy('wattpack'));
    expect(without.nodePower.suspend).toEqual([]);
    expect(without.powerChanges[0]!.powerLimitW).toBeLessThan(p.powerChanges[0]!.powerLimitW);
  });

  it('keeps excluded nodes and each model’s minIdleNodes on, even to shed', () => {
    const s = site();
    s.capW = 1000; // far below what the site draws
    expect(plan(s, [], saving({ excludeNodes: new Set(['n2']) })).nodePower.suspend).toEqual(['n3']);
    expect(plan(s, [], saving({ minIdleNodes: 1 })).nodePower.suspend).toHaveLength(1);
    expect(plan(s, [], saving({ minIdleNodes: 2 })).nodePower.suspend).toEqual([]);
  });

  it('powers off a server idle past suspendAfter, like Slurm’s SuspendTime, and not before', () => {
    expect(plan(site(9 * MIN), [], saving()).nodePower.suspend).toEqual([]);
    expect(plan(site(10 * MIN), [], saving()).nodePower.suspend.sort()).toEqual(['n2', 'n3']);
    {
      const s = site(10 * MIN);
      s.nodes[3]!.idleSinceMs = 5 * MIN;
      expect(plan(s, [], saving()).nodePower.suspend).toEqual(['n2']);
    }
    // "never" (Infinity) and no powerSaving: idle servers stay on.
    expect(plan(site(600 * MIN), [], saving({ suspendAfterS: Infinity })).nodePower.suspend).toEqual([]);
    expect(plan(site(600 * MIN), [], defaultPolicy('wattpack')).nodePower.suspend).toEqual([]);
  });

  it('never places work on a server that is off or booting, and powers one on for a job waiting for GPUs', () => {
    const s = site();
    s.nodes[2]!.power = 'off';
    s.nodes[3]!.power = 'off';
    const job = buildJob({ gpus: 8 });
    const p = plan(s, [job], saving());
    expect(p.placements).toEqual([]);
    expect(p.waiting).toMatchObject([{ jobId: job.id, code: 'gpus' }]);
    expect(p.nodePower.resume).toHaveLength(1);
    // While it boots, the next pass waits for it rather than powering on another.
    s.nodes.find((n) => n.id === p.nodePower.resume[0])!.power = 'resuming';
    const again = plan(s, [job], saving());
    expect(again.placements).toEqual([]);
    expect(again.nodePower.resume).toEqual([]);
    // Once it is on, the job starts there.
    s.nodes.find((n) => n.id === p.nodePower.resume[0])!.power = 'on';
    expect(plan(s, [job], saving()).placements[0]!.nodes[0]!.nodeId).toBe(p.nodePower.resume[0]);
  });

  it('powers on only what a gang lacks beside the idle servers that are on', () => {
    const s = site();
    s.nodes[3]!.power = 'off';
    const gang = buildJob({ gpus: 8, nodes: 2 });
    // n2 is on and idle, n3 off: one boot completes the gang (n0 and n1 are busy).
    const p = plan(s, [gang], saving());
    expect(p.waiting).toMatchObject([{ jobId: gang.id, code: 'gpus' }]);
    expect(p.nodePower.resume).toEqual(['n3']);
  });

  it('waits for a boot rather than checkpointing a lower-priority job for GPUs', () => {
    const s = site();
    s.nodes[2]!.power = 'off';
    s.nodes[3]!.power = 'off';
    const job = buildJob({ priority: 500, gpus: 8 });
    // Without power saving the node stays off, and the job checkpoints one of priority 100.
    expect(plan(s, [job], defaultPolicy('wattpack')).preemptions).toHaveLength(1);
    const p = plan(s, [job], saving());
    expect(p.preemptions).toEqual([]);
    expect(p.nodePower.resume).toHaveLength(1);
  });

  it('powers nothing on when the watts free could not run the job there', () => {
    const s = site();
    s.nodes[2]!.power = 'off';
    s.nodes[3]!.power = 'off';
    // Room for the server's idle draw, not for eight GPUs at their floor as well.
    s.capW = (siteSplit(s).facilityW + 1.2 * IDLE_IT_W) / (1 - s.reserveFraction);
    const p = plan(s, [buildJob({ gpus: 8 })], saving());
    expect(p.nodePower.resume).toEqual([]);
  });

  it('marks down a server not back within resumeTimeout (Slurm’s ResumeTimeout)', () => {
    const s = site(20 * MIN);
    Object.assign(s.nodes[2]!, { power: 'resuming', resumedAtMs: 4 * MIN });
    Object.assign(s.nodes[3]!, { power: 'resuming', resumedAtMs: 6 * MIN });
    expect(plan(s, [], saving()).nodePower.down).toEqual(['n2']);
  });

  it('comes from the site setting, only when enabled', () => {
    const setting = { enabled: true, suspendAfter: 'never' as const, resumeTimeout: 600, minIdleNodes: 2, excludeNodes: ['n9'] };
    const site = (powerSaving: object) => siteConfigSchema.parse({ capMw: 1, powerSaving });
    expect(policyFromSite('wattpack', site(setting)).powerSaving).toEqual({ suspendAfterS: Infinity, resumeTimeoutS: 600, minIdleNodes: 2, excludeNodes: new Set(['n9']) });
    expect(policyFromSite('wattpack', site({ ...setting, enabled: false })).powerSaving).toBeUndefined();
  });
});
