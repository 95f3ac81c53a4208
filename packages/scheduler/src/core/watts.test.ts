import { describe, expect, it } from 'vitest';
import { buildSite } from '../testing/index.js';
import { SiteSplit, facilityOf, heldGpuW, limitChangeW, siteSplit, siteWatts } from './watts.js';

describe('watts', () => {
  it('converts IT watts, limit changes and held GPUs to what the cap counts, for every driver and the API', () => {
    expect(facilityOf(1.2, 1000)).toBe(1200);
    // Eight GPUs lowered from 700 W to 450 W free 2,400 W of facility power at PUE 1.2.
    expect(limitChangeW(1.2, 8, 700, 450)).toBe(-2400);
    const site = buildSite({ nodes: 1, gpusPerNode: 2 });
    expect(heldGpuW(site.nodes[0]!)).toBe(0);
    Object.assign(site.nodes[0]!.gpus[1]!, { jobId: 'j', limitW: 450 });
    expect(heldGpuW(site.nodes[0]!)).toBe(450);
  });


  it('counts allocated, measured, held and converted watts of a site in one place', () => {
    const site = buildSite({ nodes: 2, gpusPerNode: 2, minersPerNode: 2, pue: 1.5, hostIdleW: 1000, hostBusyW: 2000 });
    // n0: GPU 0 held at 500 W (its job's max 700 W); n1 is drained; one miner of n0 curtailed.
    Object.assign(site.nodes[0]!.gpus[0]!, { jobId: 'j1', limitW: 500 });
    site.running.push({ id: 'j1', team: 't', priority: 1, startedAt: 0, expectedEndAt: 1, gpus: 1, nodes: 1, powerLimitW: 500, preemptible: true, maxW: 700 });
    site.nodes[0]!.miners[0]!.curtailed = true;
    const measured = [
      { nodeId: 'n0', gpus: [{ index: 0, powerDrawW: 420 }, { index: 1, powerDrawW: 60 }], miners: [{ powerW: 0 }, { powerW: 3000 }] },
      { nodeId: 'n1', gpus: [{ index: 0, powerDrawW: 55 }, { index: 1 }], miners: [{ powerW: 2990 }, { powerW: 3005 }] },
    ];
    const w = siteWatts(site, measured, new Set(['n1']));
    // IT: GPUs 500 + 110 + 2 x 110, hosts 2000 (busy) + 1000, miners 3 x 3010 running.
    expect(w.allocated).toEqual({ gpusW: 830, hostsW: 3000, minersW: 9030, facilityW: 1.5 * (830 + 3000 + 9030) });
    expect(w.measured).toEqual({ gpusW: 535, hostsW: 3000, minersW: 8995, facilityW: 1.5 * (535 + 3000 + 8995) });
    expect(w.heldGpus).toEqual({ reservedW: 1.5 * 700, enforcedW: 1.5 * 500, reclaimedW: 1.5 * 200, drawnW: 1.5 * 420 });
    expect(w).toMatchObject({ miningW: 3010, retiredW: 2 * 3010, aiW: 830 + 3000 });
  });

  it('SiteSplit, told which nodes changed, equals siteSplit to the last bit', () => {
    const site = buildSite({ nodes: 5, gpusPerNode: 8, minersPerNode: 1, pue: 1.17 });
    const split = new SiteSplit(site);
    Object.assign(site.nodes[3]!.gpus[2]!, { jobId: 'j', limitW: 333.3 });
    site.nodes[1]!.miners[0]!.curtailed = true;
    split.changed(3);
    split.changed(1);
    expect(split.total()).toEqual(siteSplit(site));
  });
});
