import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSimulation, simCommand, type SimFlags } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'wp-sim-'));
const tracePath = join(dir, 'jobs.csv');
writeFileSync(tracePath, ['t,len,n,who', '0,3600,8,a', '60,1800,8,b', '120,600,4,a', ''].join('\n'));
const sitePath = join(dir, 'site.yaml');
// YAML is a superset of JSON.
writeFileSync(
  sitePath,
  JSON.stringify({
    name: 'two-nodes',
    site: { capMw: 0.05, pue: 1.2, prices: { energyPerMwh: 50, gpuHour: 2 } },
    nodeGroups: [{ name: 'n', count: 2, gpusPerNode: 8, model: 'H200', maxW: 700, minW: 200, idleW: 110, hostIdleW: 1000, hostBusyW: 2500 }],
    miners: { count: 4, model: 'S19 XP', hashrateThs: 140, powerW: 3010, hashpriceUsdPerThDay: 0.05 },
    workloadMix: { train: 1 },
  }),
);
const flags: SimFlags = { trace: tracePath, site: sitePath, policy: 'backfill', submitCol: 't', durationCol: 'len', gpusCol: 'n', teamCol: 'who' };

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

describe('wattpack sim', () => {
  it('--json prints one object with the result', async () => {
    const { io: x, out, err } = io();
    expect(await simCommand({ ...flags, json: true }, x)).toBe(0);
    expect(err).toEqual([]);
    const r = JSON.parse(out.join(''));
    expect(r).toMatchObject({ policy: 'backfill', site: 'two-nodes', trace: 'jobs', jobs: 3, capViolations: 0, teams: 2, placements: 3 });
    expect(r.usefulWorkGpuH).toBeCloseTo(8 + 4 + (4 * 600) / 3600, 2);
  });

  it('prints a summary, and writes result.json, series.csv and chart.svg with --out', async () => {
    const { io: x, out } = io();
    const outDir = join(dir, 'out');
    expect(await simCommand({ ...flags, out: outDir, loadScale: '2', until: '1h' }, x)).toBe(0);
    expect(out.join('')).toMatch(/^backfill on two-nodes, trace jobs ×2 load, until 1h0m\n/);
    const r = JSON.parse(readFileSync(join(outDir, 'result.json'), 'utf8'));
    expect(r).toMatchObject({ untilS: 3600, makespanS: 3600, loadScale: 2 });
    expect(readFileSync(join(outDir, 'series.csv'), 'utf8')).toMatch(/^t_s,gpu_servers_mw,miners_mw,cap_mw,queued\n0,/);
    expect(readFileSync(join(outDir, 'chart.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('exits 2 on bad input and 3 on a missing file, with the reason', async () => {
    const cases: [Partial<SimFlags>, number, RegExp][] = [
      [{ policy: 'greedy' }, 2, /--policy: "greedy" is not one of fifo, backfill, wattpack/],
      [{ until: 'soon' }, 2, /--until: "soon" is not a duration/],
      [{ loadScale: '0' }, 2, /--load-scale: "0" is not a positive number/],
      [{ gpusCol: 'gpus' }, 2, /no column "gpus" \(set it with --gpus-col\)/],
      [{ site: join(dir, 'nope.yaml') }, 3, /site file not found/],
      [{ trace: join(dir, 'nope.csv') }, 3, /cannot read trace/],
    ];
    for (const [patch, code, message] of cases) {
      const { io: x, err } = io();
      expect(await simCommand({ ...flags, ...patch }, x)).toBe(code);
      expect(err.join('')).toMatch(message);
    }
  });

  it('runs the same input under each policy, and finds sites by name', () => {
    for (const policy of ['fifo', 'backfill', 'wattpack'] as const) {
      const { result } = runSimulation({ trace: tracePath, site: sitePath, policy, mapping: { submitCol: 't', durationCol: 'len', gpusCol: 'n' } });
      expect(result.jobs).toBe(3);
      expect(result.capViolations).toBe(0);
    }
    const { result } = runSimulation({ trace: tracePath, site: 'openb-slice', policy: 'fifo', mapping: { submitCol: 't', durationCol: 'len', gpusCol: 'n' } });
    expect(result.site).toBe('openb-slice');
  });
});
