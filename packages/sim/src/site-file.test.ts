import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { siteSplit } from '@wattpack/scheduler/core';
import { declaredHostPower, siteConfigSchema } from '@wattpack/common';
import { tinySite, tinyTrace } from './fixtures.js';
import { JobTable } from './job-table.js';
import { buildHardware, loadSiteFile, parseSiteFile, type SiteFileInput } from './site-file.js';
import { repoRoot } from './traces/index.js';

const sites = join(repoRoot(), 'sites');
const valid = (): SiteFileInput => ({
  name: 'x',
  site: { capMw: 1, pue: 1.2, prices: { energyPerMwh: 50, gpuHour: 2 } },
  nodeGroups: [{ name: 'g', count: 2, gpusPerNode: 8, model: 'H100', maxW: 700, minW: 200, idleW: 110, hostIdleW: 1000, hostBusyW: 2500 }],
  workloadMix: { gemm: 0.5, train: 0.5 },
});
const errorOf = (patch: (s: Record<string, any>) => void): string => {
  const s = valid() as Record<string, any>;
  patch(s);
  try {
    parseSiteFile(s, 'x.yaml');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a validation error');
};

describe('site files', () => {
  it('every file in sites/ is valid', () => {
    const files = readdirSync(sites).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(['openb-slice-power-bound.yaml', 'openb-slice.yaml', 'philly-slice-power-bound.yaml', 'philly-slice.yaml', 'washington-18mw-grid-event.yaml', 'washington-18mw-no-miners-reduce25.yaml', 'washington-18mw-reduce25.yaml', 'washington-18mw.yaml']);
    for (const f of files) expect(loadSiteFile(join(sites, f)).name).toBe(f.replace('.yaml', ''));
  });

  it('washington-18mw: 1,200 nodes, 9,600 GPUs, 2,000 miners; at full load more than its cap', () => {
    const site = loadSiteFile(join(sites, 'washington-18mw.yaml'));
    const hw = buildHardware(site);
    expect(hw.gpuNodes).toBe(1200);
    expect(hw.gpus).toBe(9600);
    expect(hw.miners).toHaveLength(2000);
    expect(new Set(hw.nodes.slice(0, hw.gpuNodes).map((n) => n.labels['rack'])).size).toBe(150);
    for (const n of hw.nodes) for (const g of n.gpus) Object.assign(g, { jobId: 'x', limitW: 700 });
    const full = siteSplit({ now: 0, capW: 18e6, reserveFraction: 0.02, pue: 1.2, nodes: hw.nodes, running: [] });
    // 1,200 x (8 x 700 + 2,500) + 2,000 x 3,010, times PUE 1.2
    expect(full.facilityW).toBeCloseTo(1.2 * (1200 * 8100 + 2000 * 3010));
    expect(full.facilityW).toBeGreaterThan(18e6);
  });

  it('the grid-event variant drops the cap to 12 MW for 2 h with 10 min notice', () => {
    const site = loadSiteFile(join(sites, 'washington-18mw-grid-event.yaml'));
    expect(site.gridEvents).toEqual([{ atS: 2 * 86400, durationS: 7200, capMw: 12, noticeS: 600 }]);
  });

  it('the -25 % variants cut for 3 h from 48 h, with and without miners, jobs a quarter in each flexibility class', () => {
    for (const [name, miners] of [['washington-18mw-reduce25', 2000], ['washington-18mw-no-miners-reduce25', 0]] as const) {
      const site = loadSiteFile(join(sites, `${name}.yaml`));
      expect(site.gridEvents).toEqual([{ atS: 48 * 3600, durationS: 3 * 3600, reducePct: 25, noticeS: 600 }]);
      expect(site.flexMix).toEqual({ '0': 0.25, '10': 0.25, '25': 0.25, '50': 0.25 });
      expect(buildHardware(site).miners).toHaveLength(miners);
    }
  });

  it('fills defaults: the live site\'s for its settings', () => {
    const site = parseSiteFile(valid());
    const { capMw: _, name: __, ...liveDefaults } = siteConfigSchema.parse({});
    expect(site.site).toEqual({ ...liveDefaults, name: 'x', capMw: 1, pue: 1.2, prices: { energyPerMwh: 50, gpuHour: 2, currency: 'USD' } });
    expect(site.workloadMix).toEqual({ gemm: 0.5, train: 0.5, copy: 0 });
    expect(site.jobDefaults).toEqual({ preemptible: true, priority: 100, restartTime: 0 });
    expect(site.gridEvents).toEqual([]);
    expect(site.nodeGroups[0]!.rackSize).toBe(8);
  });

  it('names the field of each error', () => {
    expect(errorOf((s) => (s.site.capMw = -1))).toMatch(/^invalid site file x\.yaml: site\.capMw: /);
    expect(errorOf((s) => delete s.site.capMw)).toMatch(/site\.capMw: /);
    expect(errorOf((s) => (s.nodeGroups[0].minW = 800))).toMatch(/nodeGroups\.0\.minW: 800 W exceeds maxW 700 W/);
    expect(errorOf((s) => (s.nodeGroups[0].hostBusyW = 500))).toMatch(/nodeGroups\.0\.hostBusyW: 500 W is the host's total busy power: at least its idle power \(1000 W\)/);
    expect(errorOf((s) => (s.workloadMix = { gemm: 0.5, train: 0.4 }))).toMatch(/workloadMix: fractions must sum to 1 \(they sum to 0\.9\)/);
    expect(errorOf((s) => (s.workloadMix = { gemm: 1, sgemm: 0 }))).toMatch(/workloadMix: unknown field\(s\) "sgemm"/);
    expect(errorOf((s) => (s.site.capMW = 3))).toMatch(/site: unknown field\(s\) "capMW"/);
    expect(errorOf((s) => (s.site.teams = { ML: { gpus: 8 } }))).toMatch(/site\.teams\.ML: /);
    expect(errorOf((s) => (s.site.prices.currency = 'EUR'))).toMatch(/site\.prices\.currency: the simulator reports in USD/);
    expect(errorOf((s) => (s.site.gridEvents = [{ startMs: 0, durationS: 60, capMw: 1 }]))).toMatch(/site\.gridEvents: give a simulation's grid events at the top level/);
    expect(errorOf((s) => (s.gridEvents = [{ atS: 'tomorrow', durationS: '2h', capMw: 12 }]))).toMatch(/gridEvents\.0\.atS: "tomorrow" is not a duration/);
    expect(errorOf((s) => delete s.site)).toMatch(/site: /);
    expect(errorOf((s) => s.nodeGroups.push({ ...s.nodeGroups[0] }))).toMatch(/nodeGroups\.1\.name: "g" is used twice/);
    expect(errorOf((s) => (s.jobDefaults = { minW: 600, maxW: 500 }))).toMatch(/jobDefaults\.minW: 600 W exceeds maxW 500 W/);
  });

  it('says where the old layout\'s fields went', () => {
    const old = errorOf((s) => Object.assign(s, { facility: { capMw: 1 }, prices: {}, teams: {} }));
    expect(old).toMatch(/facility: moved: its capMw, pue, reserveFraction and rampMwPerMin are settings of the live site: put them under site/);
    expect(old).toMatch(/prices: moved: energyUsdPerMwh and aiUsdPerGpuHour are site\.prices\.energyPerMwh and site\.prices\.gpuHour/);
    expect(old).toMatch(/teams: moved: team shares are a setting of the live site: site\.teams/);
  });

  it('a node group\'s host power is its own, else the site\'s hostPower, as an agent\'s inventory is counted live', () => {
    const site = parseSiteFile({ ...valid(), site: { capMw: 1, hostPower: { idleW: 800, busyW: 2000 } }, nodeGroups: [{ name: 'a', count: 1, gpusPerNode: 8, model: 'H100', maxW: 700, minW: 200, idleW: 110 }, { name: 'b', count: 1, gpusPerNode: 8, model: 'H100', maxW: 700, minW: 200, idleW: 110, hostBusyW: 3000 }] });
    expect(buildHardware(site).nodes.map((n) => [n.hostIdleW, n.hostBusyW])).toEqual([[800, 2000], [800, 3000]]);
    // The rule the live scheduler's hostWatts applies to an agent's declared figures (0: none).
    expect(declaredHostPower(site.site, { idleW: 0, busyW: 3000 })).toEqual({ idleW: 800, busyW: 3000 });
  });

  it('the site\'s flexDefaults give the jobs a class where the file has no flexMix, as live', () => {
    const site = tinySite({ site: { capMw: 1, flexDefaults: { a: 25, '*': 10 } } });
    const jobs = new JobTable(tinyTrace([{ team: 'a' }, { team: 'b' }]), site, buildHardware(site), 1);
    expect([...jobs.flex]).toEqual([25, 10]);
    const mixed = tinySite({ site: { capMw: 1, flexDefaults: { '*': 10 } }, flexMix: { '50': 1 } });
    expect([...new JobTable(tinyTrace([{ team: 'b' }]), mixed, buildHardware(mixed), 1).flex]).toEqual([50]);
  });

  it('builds miner containers as GPU-less nodes', () => {
    const site = tinySite({ miners: { count: 250, model: 'S19 XP', hashrateThs: 140, powerW: 3010, hashpriceUsdPerThDay: 0.05 } });
    const hw = buildHardware(site);
    expect(hw.nodes.map((n) => n.id)).toEqual(['n-0000', 'miners-0', 'miners-1', 'miners-2']);
    expect(hw.nodes.slice(1).map((n) => n.miners.length)).toEqual([100, 100, 50]);
    expect(hw.miners[249]).toEqual({ id: 'miner-0249', nameplateW: 3010, hashrateThs: 140, curtailed: false });
    expect(hw.nodes[1]).toMatchObject({ gpus: [], hostIdleW: 0, hostBusyW: 0 });
  });
});
