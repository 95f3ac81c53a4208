import { describe, expect, it } from 'vitest';
import { defaultPolicy, policyFromSite } from '@wattpack/scheduler/core';
import { Engine } from './engine.js';
import { TINY_SETTINGS, tinySite, tinyTrace } from './fixtures.js';
import { buildResult, summaryText } from './report.js';
import type { SiteFileInput } from './site-file.js';

type PowerSaving = NonNullable<SiteFileInput['site']['powerSaving']>;
/** The tiny site with power saving in its live settings. */
const saving = (powerSaving: PowerSaving, nodes: number, extra: Partial<SiteFileInput> = {}) => tinySite({ ...extra, site: { ...TINY_SETTINGS, powerSaving } }, nodes);
const wattpack = (site: ReturnType<typeof tinySite>) => policyFromSite('wattpack', site.site);

describe('power saving in the simulator', () => {
  it('powers idle servers off after suspendAfter, and one on (a boot of resumeTime) for the next job', () => {
    const site = saving({ enabled: true, suspendAfter: '10m', resumeTime: '5m', standbyW: 40 }, 2);
    const trace = tinyTrace([{ submitS: 0, durationS: 100 }, { submitS: 5000, durationS: 100 }]);
    const stats = new Engine({ site, trace, policy: wattpack(site), recordJobs: true }).run();
    const [first, second] = stats.jobs!;
    expect(first!.startS).toBe(0);
    // Both servers were off when it came: it waits for one to boot (5 min), then starts at the next pass.
    expect(second!.startS).toBeGreaterThanOrEqual(5000 + 300);
    expect(second!.startS).toBeLessThanOrEqual(5000 + 300 + 30);
    expect(stats.powerSaving).toMatchObject({ suspends: 2, resumes: 1 });
    // Off from about 10 minutes after each went idle until the replay ends (or its boot).
    expect(stats.powerSaving!.offNodeS).toBeGreaterThan(2 * 4000);
    expect(stats.powerSaving!.bootingNodeS).toBe(300);
    // The same without power saving: the job starts at the first pass (30 s cycles), and the idle servers draw all along.
    const plain = new Engine({ site: tinySite({}, 2), trace, policy: defaultPolicy('wattpack'), recordJobs: true }).run();
    expect(plain.jobs![1]!.startS).toBe(5010);
    // Of ~5,100 s, the servers spend all but ~1,100 s (idle timers, a boot, two jobs) at 48 W instead of 2,256 W.
    expect(stats.energyJ).toBeLessThan(plain.energyJ * 0.3);
    const text = summaryText(buildResult(stats, { policy: 'wattpack', site, trace: 'tiny', loadScale: 1, cycleS: 30, wallS: 0 }));
    expect(text).toMatch(/power saving\s+2 servers powered off, 1 on/);
  });

  it('keeps excluded servers on, and still runs the others’ idle timers', () => {
    // n-0000 is excluded: idle from 50 s, its timer runs out at ~650 s and it stays on.
    // n-0001 runs a job until 1,000 s, then goes off 10 minutes later; the next job starts on n-0000 at once.
    const site = saving({ enabled: true, suspendAfter: '10m', excludeNodes: ['n-0000'] }, 2);
    // Placed in node order: the 50 s job on n-0000, the 1,000 s one on n-0001.
    const trace = tinyTrace([{ submitS: 0, durationS: 50, gpus: 8 }, { submitS: 0, durationS: 1000, gpus: 8 }, { submitS: 5000, durationS: 100 }]);
    const stats = new Engine({ site, trace, policy: wattpack(site), recordJobs: true }).run();
    expect(stats.powerSaving).toMatchObject({ suspends: 1, resumes: 0 });
    expect(stats.jobs![2]!.startS).toBeLessThanOrEqual(5030);
    // Off from its timer (1,000 s + 10 min, at the next pass) to the end of the replay (~5,100 s).
    expect(stats.powerSaving!.offNodeS).toBeGreaterThan(3300);
    expect(stats.powerSaving!.offNodeS).toBeLessThan(3600);
  });

  it('meets a -25 % grid event by powering idle servers off: the running job keeps full speed', () => {
    // Three servers, one busy with a long flexible job; the cut (a quarter of ~13.9 kW) is less than two idle servers give.
    const events = { gridEvents: [{ atS: 600, durationS: 1800, reducePct: 25 }], flexMix: { '25': 1 } };
    const trace = tinyTrace([{ submitS: 0, durationS: 10_000 }]);
    const site = saving({ enabled: true, suspendAfter: 'never', standbyW: 40 }, 3, events);
    const stats = new Engine({ site, trace, policy: wattpack(site), untilS: 3000 }).run();
    const [e] = stats.gridEvents;
    expect(e!.performance).toBe(1);
    expect(e!.violationS).toBe(0);
    expect(stats.preemptions).toBe(0);
    expect(stats.powerSaving!.suspends).toBeGreaterThanOrEqual(1);
    // suspendAfter "never": nothing went off before the event, so the cut was taken against both idle servers.
    expect(e!.baselineMw).toBeGreaterThan((1.2 * (8 * 110 + 1000) * 2) / 1e6);
    const plain = new Engine({ site: tinySite(events, 3), trace, policy: defaultPolicy('wattpack'), untilS: 3000 }).run();
    expect(plain.gridEvents[0]!.performance).toBeLessThan(1);
  });
});
