import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { NodeMetrics } from '../../packages/agent/src/observe/node-metrics.js';
import { SchedulerMetrics } from '../../packages/scheduler/src/observe/metrics.js';

const deploy = (path: string) => readFileSync(fileURLToPath(new URL(`../../deploy/${path}`, import.meta.url)), 'utf8');

/** Every series name wattpack's daemons register. */
function exported(): Set<string> {
  const scheduler = new Registry();
  new SchedulerMetrics(scheduler);
  const inventory = { gpus: [], miners: [], host: { hostname: 'h', cpuCores: 1, memoryMib: 1, os: 'linux', idlePowerW: 0, busyPowerW: 0 } };
  const agent = new NodeMetrics(inventory, () => Promise.reject(new Error('not sampled here')), 1000).registry;
  return new Set([...scheduler.getMetricsAsArray(), ...agent.getMetricsAsArray()].map((m) => m.name));
}

describe('deploy/: the Prometheus and Grafana configuration', () => {
  it('scrapes both daemons, each by host:port', () => {
    const config = parse(deploy('prometheus/prometheus.yml')) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    expect(config.scrape_configs.map((s) => s.job_name)).toEqual(['wattpack-scheduler', 'wattpack-agent']);
    for (const s of config.scrape_configs) for (const t of s.static_configs.flatMap((c) => c.targets)) expect(t).toMatch(/^[a-z0-9.-]+:\d+$/);
  });

  it('queries only series the daemons export, in panels that do not overlap', () => {
    const dashboard = JSON.parse(deploy('grafana/wattpack-site.json')) as {
      panels: { title: string; gridPos: { x: number; y: number; w: number; h: number }; targets: { expr: string }[] }[];
      annotations: { list: { expr: string }[] };
    };
    const names = exported();
    const exprs = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...dashboard.annotations.list.map((a) => a.expr)];
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\b(wattpack_[a-z_]+|DCGM_FI_[A-Z_]+)\b/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''))));
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((n) => !names.has(n))).toEqual([]);
    const cells = new Map<string, string>();
    for (const p of dashboard.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.get(`${x},${y}`), `${p.title} overlaps`).toBeUndefined();
          cells.set(`${x},${y}`, p.title);
        }
      }
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
  });
});
