import { describe, expect, it } from 'vitest';
import { buildGpu, buildSite } from '../testing/index.js';
import { SiteBase } from './site-base.js';
import type { NodePower, SiteSnapshot } from './snapshot.js';

/**
 * The kept base brought up to date by sync() (a delta over the nodes that changed) must
 * be, field for field, what a build from nothing gives; and a server powered off or on
 * must be such a delta, not a rebuild (power saving does it thousands of times a run).
 */

const rngOf = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

/** Two models, mixed node sizes, a miner per node, standby watts for power saving. */
function powerSite(): SiteSnapshot {
  const site = buildSite({ nodes: 16, racks: 2, minersPerNode: 1 });
  site.nodes.forEach((n, i) => {
    n.standbyW = 40 + i;
    if (i % 3 === 1) n.gpus = Array.from({ length: 4 }, (_, g) => buildGpu(g, 'H200', { maxW: 600, idleW: 90 }));
    for (const m of n.miners) m.hashrateThs = 100 + i;
  });
  return site;
}

/** All a pass reads of the base, in the order it reads it (buckets and holdings as lists; empty buckets at the top read as none). */
function shape(b: SiteBase) {
  return {
    allocatedW: b.allocatedW,
    nodes: b.nodes.map((n) => ({ ...n, view: n.view.id, free: [...n.free].map(([m, l]) => [m, l.map((g) => g.index)]) })),
    buckets: [...b.buckets].map(([m, sets]) => [m, trimmed(sets.map((s) => [...s]))]),
    capacity: [...b.capacity],
    holdings: [...b.holdings].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, h]) => [id, { ...h, parts: h.parts.map((p) => ({ ...p, gpus: p.gpus.map((g) => g.index) })) }]),
    miners: b.miners,
    byValue: b.minersByValue(),
  };
}

function trimmed(lists: number[][]): number[][] {
  let end = lists.length;
  while (end > 0 && lists[end - 1]!.length === 0) end--;
  return lists.slice(0, end);
}

/** A random change in place, as a driver makes it: a server goes off, boots or comes up; a job starts or ends; a miner turns. */
function change(site: SiteSnapshot, rand: () => number, step: number): void {
  const n = site.nodes[Math.floor(rand() * site.nodes.length)]!;
  const busy = n.gpus.some((g) => g.jobId !== undefined);
  const r = rand();
  if (r < 0.5 && !busy) {
    const next: Record<NodePower, NodePower> = { on: 'suspending', suspending: 'off', off: 'resuming', resuming: 'on' };
    n.power = next[n.power ?? 'on'];
  } else if (r < 0.8 && (n.power ?? 'on') === 'on') {
    const free = n.gpus.filter((g) => g.jobId === undefined);
    if (free.length > 0 && rand() < 0.7) Object.assign(free[Math.floor(rand() * free.length)]!, { jobId: `j${step % 5}`, limitW: 300 + step });
    else for (const g of n.gpus) if (g.jobId !== undefined && rand() < 0.5) Object.assign(g, { jobId: undefined, limitW: undefined });
  } else n.miners[0]!.curtailed = !n.miners[0]!.curtailed;
}

describe('the kept site base', () => {
  it('is, after each delta, what a build from nothing gives: servers off, booting and back on, jobs and miners changing (seeded)', () => {
    for (const seed of [2, 31, 404]) {
      const rand = rngOf(seed);
      const site = powerSite();
      const base = new SiteBase(site);
      for (let step = 0; step < 300; step++) {
        const changes = 1 + Math.floor(rand() * 3);
        for (let i = 0; i < changes; i++) change(site, rand, step);
        expect(base.sync(site), `seed ${seed}, step ${step}: a delta, not a rebuild`).toBe(true);
        expect(shape(base), `seed ${seed}, step ${step}`).toEqual(shape(new SiteBase(site)));
      }
    }
  });

  it('takes a server powered off out of the free buckets and its watts down to standby, and back when it is on', () => {
    const site = powerSite();
    const base = new SiteBase(site);
    const full = base.buckets.get('H100')![8]!;
    expect([...full]).toContain(0);
    const onW = base.allocatedW;
    site.nodes[0]!.power = 'off';
    expect(base.sync(site)).toBe(true);
    expect([...base.buckets.get('H100')![8]!]).not.toContain(0);
    const n = site.nodes[0]!;
    const idleIt = n.hostIdleW + n.gpus.reduce((s, g) => s + g.idleW, 0) + n.miners[0]!.nameplateW;
    expect(onW - base.allocatedW).toBeCloseTo(site.pue * (idleIt - n.standbyW!), 6);
    site.nodes[0]!.power = 'on';
    expect(base.sync(site)).toBe(true);
    expect([...base.buckets.get('H100')![8]!][0]).toBe(0);
    expect(base.allocatedW).toBe(onW);
  });

  it('still rebuilds when the hardware changes: a node drained', () => {
    const site = powerSite();
    const base = new SiteBase(site);
    site.nodes[2]!.schedulable = false;
    expect(base.sync(site)).toBe(false);
  });
});
