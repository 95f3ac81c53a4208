import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry, type Counter, type Histogram } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { defaultSiteConfig, type NodeInventory } from '@wattpack/common';
import { Scheduler } from '../loop/scheduler.js';
import { JobWatch } from './job-watch.js';
import { lifecycleLog } from './lifecycle-log.js';
import { SchedulerMetrics } from './metrics.js';

const inventory: NodeInventory = {
  gpus: Array.from({ length: 8 }, (_, index) => ({ index, uuid: `GPU-${index}`, model: 'H100', memoryMib: 81559, minPowerLimitW: 200, maxPowerLimitW: 700, defaultPowerLimitW: 700 })),
  miners: [],
  host: { hostname: 'h', cpuCores: 64, memoryMib: 1 << 20, os: 'linux', idlePowerW: 1000, busyPowerW: 2500 },
};

/** A scheduler with in-memory ports, its observers, and the log lines they write. */
async function setup() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
  const log = pino({ level: 'info' }, sink);
  const clock = { now: Date.now() };
  const scheduler = new Scheduler({
    now: () => clock.now,
    site: defaultSiteConfig(),
    jobs: new Map(),
    nodes: new Map(),
    log,
    passGapMs: 0, // settle() waits 20 ms: each pass at once
    ports: { putJob: async () => {}, putNode: async () => {}, putSite: async () => {}, openNode: async () => {}, sendCommand: async () => {} },
  });
  await scheduler.registerNode({ nodeId: 'a', labels: {}, inventory });
  const registry = new Registry();
  const metrics = new SchedulerMetrics(registry);
  const watch = new JobWatch(scheduler);
  watch.listen(lifecycleLog(log));
  metrics.attach({ scheduler, watch });
  const settle = () => new Promise((r) => setTimeout(r, 20));
  return { scheduler, registry, lines, settle, clock };
}

describe('lifecycle log and scheduler metrics', () => {
  it('logs submit, place, start and end with the user, and integrates measured draw into the team energy', async () => {
    const { scheduler, registry, lines, settle, clock } = await setup();
    const job = await scheduler.submit(JSON.stringify({ name: 'train', team: 'vision', command: ['true'], gpus: 2, power: { maxWatts: 600 } }), { owner: 'olga' });
    await settle();
    const placed = scheduler.getJob(job.id);
    expect(placed.state).toBe('STARTING');
    const t0 = clock.now;
    await scheduler.handleEvent({ kind: 'started', nodeId: 'a', jobId: job.id, attemptId: placed.attemptId, at: t0 });
    // Three reports a second apart, both GPUs at 500 W: two intervals of 2 × 500 W × 1 s.
    for (let i = 0; i < 3; i++) {
      clock.now = t0 + i * 1000;
      await scheduler.report('a', {
        timestampMs: t0 + i * 1000,
        gpus: inventory.gpus.map((g) => ({ index: g.index, powerDrawW: placed.assignments[0]!.gpuIndices.includes(g.index) ? 500 : 60, health: 'HEALTH_OK', healthReason: '' })),
        miners: [],
        attempts: [{ jobId: job.id, attemptId: placed.attemptId, gpuIndices: placed.assignments[0]!.gpuIndices, startedAtMs: 1000 }],
      });
    }
    clock.now = t0 + 3_600_000;
    await scheduler.handleEvent({ kind: 'exited', nodeId: 'a', jobId: job.id, attemptId: placed.attemptId, at: clock.now, exitCode: 0 });
    await settle();

    const steps = lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('job '));
    expect(steps.map((l) => l.msg)).toEqual(['job submitted', 'job placed', 'job started', 'job ended']);
    for (const l of steps) expect(l).toMatchObject({ level: 30, job: job.id, user: 'olga', team: 'vision' });
    expect(steps[1]).toMatchObject({ nodes: [`a:${placed.assignments[0]!.gpuIndices.join(',')}`], powerLimitW: 600 });
    // An hour on 2 GPUs; 2000 J measured.
    expect(steps[3]).toMatchObject({ state: 'SUCCEEDED', exitCode: 0, runtimeS: 3600, gpuHours: 2, gpuEnergyKwh: +(2000 / 3.6e6).toFixed(6) });

    const energy = (await (registry.getSingleMetric('wattpack_team_gpu_energy_joules_total') as Counter).get()).values;
    expect(energy).toEqual([{ labels: { team: 'vision' }, value: 2000 }]);
    const finished = (await (registry.getSingleMetric('wattpack_jobs_finished_total') as Counter).get()).values;
    expect(finished).toEqual([{ labels: { team: 'vision', state: 'succeeded' }, value: 1 }]);
    const waits = (await (registry.getSingleMetric('wattpack_admission_wait_time_seconds') as Histogram).get()).values;
    expect(waits.find((v) => v.metricName === 'wattpack_admission_wait_time_seconds_count')).toMatchObject({ labels: { team: 'vision' }, value: 1 });
    // Each report's lag from its sampling; these were stamped now or ahead (a skewed clock counts as 0).
    const lag = (await (registry.getSingleMetric('wattpack_node_report_lag_seconds') as Histogram).get()).values;
    expect(lag.find((v) => v.metricName === 'wattpack_node_report_lag_seconds_count')?.value).toBe(3);
    expect(lag.find((v) => v.metricName === 'wattpack_node_report_lag_seconds_sum')?.value).toBeLessThan(1);
    const text = await registry.metrics();
    expect(text).toMatch(/^wattpack_schedule_attempts_total\{result="scheduled"\} 1$/m);
    expect(text).toMatch(/^wattpack_nodes\{site="local",state="ready"\} 1$/m);
  });

  it('labels a job waiting for power, and counts preemptions by reason when a grid event sheds load', async () => {
    const { scheduler, registry, settle } = await setup();
    const job = await scheduler.submit(JSON.stringify({ name: 'big', team: 'nlp', command: ['true'], gpus: 8, preemptible: true }), { owner: 'olga' });
    await settle();
    const placed = scheduler.getJob(job.id);
    await scheduler.handleEvent({ kind: 'started', nodeId: 'a', jobId: job.id, attemptId: placed.attemptId, at: 1000 });
    // A cap that leaves room for the idle node only: the running job is shed, and once it
    // has exited both jobs wait for power.
    await scheduler.updateSite({ capMw: 0.003 });
    await settle();
    await scheduler.handleEvent({ kind: 'exited', nodeId: 'a', jobId: job.id, attemptId: placed.attemptId, at: Date.now(), exitCode: 143 });
    await scheduler.submit(JSON.stringify({ name: 'next', team: 'nlp', command: ['true'], gpus: 1 }), { owner: 'olga' });
    await settle();
    const text = await registry.metrics();
    expect(text).toMatch(/^wattpack_preemptions_total\{reason="shed"\} 1$/m);
    expect(text).toMatch(/^wattpack_pending_jobs\{site="local",team="nlp",reason="power"\} 2$/m);
    expect(text).toMatch(/^wattpack_site_cap_watts\{site="local"\} 3000$/m);
  });
});
