import { describe, expect, it } from 'vitest';
import { useLocalSite, waitFor } from './harness.js';
import { parseMetrics } from './prometheus-text.js';

const site = useLocalSite({ schedulers: 2, agents: [{ id: 'gpu-1', profile: 'h100x8' }] });

describe('readiness and metrics of a standby scheduler', () => {
  it('is ready behind a known leader without exporting site series, and exports them once it leads', async () => {
    const leaderOf = async (ids = ['s1', 's2']) => {
      for (const id of ids) {
        const m = parseMetrics((await site().observe(id, '/metrics')).body);
        if (m.get('wattpack_site_cap_watts')?.samples.length) return id;
      }
      return undefined;
    };
    const leader = await waitFor('the leader to export site series', leaderOf);
    const standby = leader === 's1' ? 's2' : 's1';
    await waitFor('the standby to know the leader', async () => ((await site().observe(standby, '/readyz')).status === 200 ? true : undefined));
    const idle = parseMetrics((await site().observe(standby, '/metrics')).body);
    expect(idle.get('wattpack_site_cap_watts')!.samples).toEqual([]);
    expect(idle.get('wattpack_nodes')!.samples).toEqual([]);
    expect(idle.get('process_cpu_user_seconds_total')!.samples).toHaveLength(1);

    await site().killSchedulerById(leader);
    await waitFor('the standby to take over and export the site', async () => ((await leaderOf([standby])) === standby ? true : undefined), 30_000);
    expect((await site().observe(standby, '/readyz')).status).toBe(200);
  }, 60_000);
});
