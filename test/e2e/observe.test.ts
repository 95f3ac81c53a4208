import * as grpc from '@grpc/grpc-js';
import { startNatsServer } from '@wattpack/common';
import { service as healthService } from 'grpc-health-check';
import { describe, expect, it } from 'vitest';
import { TWO_H100_NODES, useLocalSite, waitFor } from './harness.js';
import { parseMetrics, valueOf } from './prometheus-text.js';
import type { Site__Output } from '@wattpack/common/proto/Site';

const site = useLocalSite({ agents: [...TWO_H100_NODES, { id: 'miners-1', profile: 's19xp:2', labels: 'rack=m1' }] });

const metricsOf = async (id: string) => {
  const res = await site().observe(id, '/metrics');
  expect(res.status).toBe(200);
  return parseMetrics(res.body);
};
const idOf = (stdout: string): string => JSON.parse(stdout).id as string;

describe('metrics, health and readiness on every daemon', () => {
  it('exports the site, queue, scheduling and energy series with the values the API shows, after a job runs', async () => {
    const submitted = await site().cli(['submit', '--name', 'metered', '--team', 'vision', '--gpus', '2', '-o', 'json', '--', 'sh', '-c', 'sleep 4']);
    expect(submitted.exitCode, submitted.stderr).toBe(0);
    const id = idOf(submitted.stdout);
    await site().waitForState(id, ['RUNNING']);
    const job = await site().job(id);
    const node = job.assignments[0]!.nodeId;

    // While it runs, its GPUs carry its id (hpc_job) on the agent, and no others do.
    const running = await waitFor('the agent to label the job GPUs', async () => {
      const m = await metricsOf(node);
      const labelled = m.get('DCGM_FI_DEV_POWER_USAGE')!.samples.filter((s) => s.labels.hpc_job === id);
      return labelled.length === 2 ? m : undefined;
    });
    const power = running.get('DCGM_FI_DEV_POWER_USAGE')!;
    expect(power.samples).toHaveLength(8);
    for (const s of power.samples) expect(s.labels).toMatchObject({ modelName: 'H100', UUID: expect.stringMatching(/\S/), Hostname: expect.stringMatching(/\S/) });
    expect(power.samples.filter((s) => s.labels.hpc_job).map((s) => Number(s.labels.gpu)).sort()).toEqual([...job.assignments[0]!.gpuIndices].sort());
    for (const name of ['DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_DEV_GPU_TEMP', 'DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_XID_ERRORS']) expect(running.get(name)?.samples).toHaveLength(8);
    expect(running.get('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION')!.type).toBe('COUNTER');

    const done = await site().waitForState(id, ['SUCCEEDED', 'FAILED']);
    expect(done.state).toBe('SUCCEEDED');
    // Gone from the agent's labels once it ended: a finished job leaves no series behind.
    await waitFor('the job label to go', async () => ((await metricsOf(node)).get('DCGM_FI_DEV_POWER_USAGE')!.samples.some((s) => s.labels.hpc_job) ? undefined : true));

    const m = await waitFor('the finished job to be counted', async () => {
      const fams = await metricsOf('s1');
      return valueOf(fams, 'wattpack_jobs_finished_total', { team: 'vision', state: 'succeeded' }) === 1 ? fams : undefined;
    });
    const api = await site().rpc<Site__Output>('GetSite', {});
    expect(valueOf(m, 'wattpack_site_cap_watts')).toBe(api.capW);
    expect(valueOf(m, 'wattpack_site_effective_cap_watts')).toBe(api.effectiveCapW);
    expect(valueOf(m, 'wattpack_site_reserve_watts')).toBeCloseTo(api.effectiveCapW * api.reserveFraction, 3);
    // Nothing runs now: the allocated split is the API's, scaled by PUE, and headroom is what is left of the budget.
    for (const source of ['gpus', 'hosts', 'miners'] as const) {
      expect(valueOf(m, 'wattpack_site_allocated_watts', { source })).toBeCloseTo(api.pue * api.allocated![`${source}W` as 'gpusW'], 3);
    }
    expect(valueOf(m, 'wattpack_site_allocated_watts', { source: 'miners' })).toBeGreaterThan(0);
    expect(valueOf(m, 'wattpack_site_headroom_watts')).toBeCloseTo(api.effectiveCapW * (1 - api.reserveFraction) - api.allocated!.facilityW, 3);
    expect(valueOf(m, 'wattpack_site_grid_event_active')).toBe(0);
    expect(valueOf(m, 'wattpack_nodes', { state: 'ready' })).toBe(3);
    expect(valueOf(m, 'wattpack_nodes', { state: 'draining' })).toBe(0);
    expect(valueOf(m, 'wattpack_schedule_attempts_total', { result: 'scheduled' })).toBeGreaterThanOrEqual(1);
    // The parser merges a labelled histogram's series (its flattening drops the labels):
    // the per-team count is checked in packages/scheduler/src/observe/observe.test.ts.
    expect(m.get('wattpack_admission_wait_time_seconds')!.type).toBe('HISTOGRAM');
    expect(m.get('wattpack_scheduling_pass_duration_seconds')!.samples[0]!.count).toBeGreaterThanOrEqual(1);
    // Energy from measured draw: two GPUs for about four seconds, each drawing at most their 700 W limit.
    const joules = valueOf(m, 'wattpack_team_gpu_energy_joules_total', { team: 'vision' })!;
    expect(joules).toBeGreaterThan(2 * 50 * 2);
    expect(joules).toBeLessThan(2 * 700 * (done.finishedAtMs - done.startedAtMs + 3000) / 1000);
  }, 90_000);

  it('counts a job waiting for GPUs under wattpack_pending_jobs by team and reason', async () => {
    const blocker = idOf((await site().cli(['submit', '--name', 'blocker', '--team', 'vision', '--gpus', '1', '-o', 'json', '--', 'sleep', '60'])).stdout);
    await site().waitForState(blocker, ['RUNNING']);
    const submitted = await site().cli(['submit', '--name', 'gang', '--team', 'nlp', '--gpus', '8', '--nodes', '2', '-o', 'json', '--', 'true']);
    expect(submitted.exitCode, submitted.stderr).toBe(0);
    const id = idOf(submitted.stdout);
    await waitFor('the pending job to be counted', async () => {
      const m = await metricsOf('s1');
      return valueOf(m, 'wattpack_pending_jobs', { team: 'nlp' }) === 1 ? m : undefined;
    });
    const m = await metricsOf('s1');
    expect(valueOf(m, 'wattpack_pending_jobs', { team: 'nlp', reason: 'gpus' })).toBe(1);
    expect(valueOf(m, 'wattpack_running_jobs', { team: 'vision' })).toBe(1);
    expect((await site().cli(['cancel', id])).exitCode).toBe(0);
    expect((await site().cli(['cancel', blocker])).exitCode).toBe(0);
    await waitFor('the cancelled job to leave the queue', async () => (valueOf(await metricsOf('s1'), 'wattpack_pending_jobs', { team: 'nlp' }) === undefined ? true : undefined));
  }, 60_000);

  it('answers the gRPC health service over the site mTLS', async () => {
    const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
    const client = new Health(site().address, site().adminCredentials()) as unknown as { Check: (req: object, opts: object, cb: (err: Error | null, res: { status: string }) => void) => void; close(): void };
    const check = (service: string) => new Promise<string>((resolve, reject) => client.Check({ service }, { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res.status))));
    expect(await check('')).toBe('SERVING');
    expect(await check('wattpack.v1.SchedulerService')).toBe('SERVING');
    await expect(check('no.such.Service')).rejects.toThrow(/NOT_FOUND/);
    client.close();
  });

  it('is live and ready, goes unready when NATS stops, and ready again when it is back', async () => {
    for (const id of ['s1', 'gpu-1']) {
      expect(await site().observe(id, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
      expect((await site().observe(id, '/readyz')).status).toBe(200);
    }
    const { port, storeDir } = site().nats;
    await site().nats.stop();
    for (const id of ['s1', 'gpu-1']) {
      const unready = await waitFor(`${id} to go unready`, async () => {
        const r = await site().observe(id, '/readyz');
        return r.status === 503 ? r : undefined;
      });
      expect(unready.body).toMatch(/not connected to NATS/);
      // Still alive: liveness is not readiness, and the process must not be restarted for it.
      expect((await site().observe(id, '/healthz')).status).toBe(200);
    }
    site().natsServers[0] = await startNatsServer({ port, storeDir, config: site().trust.natsConfig });
    for (const id of ['s1', 'gpu-1']) await waitFor(`${id} to be ready again`, async () => ((await site().observe(id, '/readyz')).status === 200 ? true : undefined), 30_000);
  }, 90_000);
});
