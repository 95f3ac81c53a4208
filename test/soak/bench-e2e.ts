/**
 * `pnpm bench:e2e` (a benchmark, not a CI test): N one-GPU `true` jobs end to end on 400
 * GPUs (a dev site of 50 × 8-GPU hollow nodes: one agent process), submit -> all SUCCEEDED:
 *   - as one array (one request), and one job per request (IN_FLIGHT at once): jobs/s and
 *     submissions/s;
 *   - submit -> running latency p50/p99 on the idle site, one job at a time;
 *   - when slurmctld is installed (Debian slurm-wlm, with munge), the same array on Slurm
 *     in the same run (100 slurmd × 4 GPUs on this machine), and the ratio.
 * Each wattpack run also gives the CPU its processes used per job (/proc/<pid>/stat): on a
 * shared machine the jobs/s follow the load, CPU per job much less.
 * Prints one JSON document. Environment: BENCH_JOBS (default 2000); BENCH_SLURM=0 leaves Slurm
 * out (a quicker run while profiling wattpack alone); BENCH_ONLY=submit runs only the
 * submit path: N jobs one per request on a site whose GPUs are all taken, so none starts
 * and only submitting (and passes that place nothing) costs CPU.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { Job__Output } from '@wattpack/common/proto/Job';
import { waitFor, type RpcClient } from '../e2e/harness.js';
import { startDevSite, type DevProcess } from './dev-site.js';
import { childPids, cpuSeconds, reapedCpuSeconds } from './proc.js';
import { startSlurm } from './slurm.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 2000);
const IN_FLIGHT = 64;
const LATENCY_SAMPLES = 200;

const round = (x: number) => Math.round(x * 100) / 100;
const percentiles = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  return { p50: round(at(50)), p99: round(at(99)) };
};
const spec = (name: string) => JSON.stringify({ name, gpus: 1, command: ['true'] });

/**
 * SubmitJob as the CLI makes it: with a request id, tried again with a growing pause while
 * the call's deadline passes or the scheduler is away (the id returns the first job, never a
 * second). A 2,000-task array can outlast the client's 5 s deadline on a loaded machine, and
 * there a lapsed lease takes the scheduler away until it is elected again (a few seconds).
 */
async function submit(client: RpcClient, request: { specJson: string; requestId: string; array?: string }): Promise<void> {
  const giveUpAt = Date.now() + 60_000;
  for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, 2000)) {
    try {
      return void (await client.rpc('SubmitJob', request));
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (Date.now() >= giveUpAt || (code !== grpcStatus.DEADLINE_EXCEEDED && code !== grpcStatus.UNAVAILABLE)) throw err;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
}

/** Waits until no job is queued or running, then returns every job (all pages). */
async function drained(client: RpcClient): Promise<Job__Output[]> {
  await waitFor('every job to end', async () => (await client.rpc<{ jobs: Job__Output[] }>('ListJobs', { states: ['PENDING', 'STARTING', 'RUNNING'], limit: 1 })).jobs.length === 0, 30 * 60_000);
  const all: Job__Output[] = [];
  let pageToken = '';
  do {
    const page = await client.rpc<{ jobs: Job__Output[]; nextPageToken: string }>('ListJobs', { limit: 5000, pageToken });
    all.push(...page.jobs);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return all;
}

/**
 * CPU seconds of each process so far, by role; `spawner`: the agent's spawn helper (its
 * child that is Node), and `jobs`: the processes the agent and its helper reaped.
 */
function cpuByRole(processes: DevProcess[]): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (role: string, s: number) => (out[role] = (out[role] ?? 0) + s);
  for (const p of processes) {
    add(p.role, cpuSeconds(p.pid));
    if (p.role !== 'agent') continue;
    add('jobs', reapedCpuSeconds(p.pid));
    for (const helper of childPids(p.pid).filter((c) => readFileSync(`/proc/${c}/comm`, 'utf8').startsWith('node'))) {
      add('spawner', cpuSeconds(helper));
      add('jobs', reapedCpuSeconds(helper));
    }
  }
  return out;
}

/** CPU ms per unit of work of each role between two readings of cpuByRole. */
const cpuMsPer = (before: Record<string, number>, after: Record<string, number>, n: number) =>
  Object.fromEntries(Object.keys(after).map((role) => [role, round(((after[role]! - (before[role] ?? 0)) * 1000) / n)]));

async function run(client: RpcClient, processes: DevProcess[], label: string, submit: () => Promise<void>) {
  const cpu0 = cpuByRole(processes);
  const t0 = Date.now();
  await submit();
  const submitS = (Date.now() - t0) / 1000;
  const jobs = (await drained(client)).filter((j) => j.spec?.name === label);
  const totalS = (Date.now() - t0) / 1000;
  const cpu1 = cpuByRole(processes);
  const cpuMsPerJob = cpuMsPer(cpu0, cpu1, JOBS);
  const failed = jobs.filter((j) => j.state !== 'SUCCEEDED').length;
  return { jobs: jobs.length, failed, submitS: round(submitS), submissionsPerS: round(JOBS / submitS), totalS: round(totalS), jobsPerS: round(JOBS / totalS), cpuMsPerJob };
}

/** N submissions one job per request, IN_FLIGHT at once, each tried again as the CLI does. */
async function submitEach(client: RpcClient, label: string): Promise<void> {
  let next = 0;
  const submitter = async () => {
    while (next < JOBS) await submit(client, { specJson: spec(label), requestId: `${label}-${next++}` });
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, submitter));
}

/**
 * The submit path alone: every GPU is taken by a sleeping job first, then N jobs are
 * submitted one per request; none can start, so the site's CPU is the submits' (and the
 * passes they ask for, which place nothing).
 */
async function submitOnly() {
  const { client, processes, down } = await startDevSite('h100x8:50', { maxQueuedPerTeam: 0 });
  try {
    await submit(client, { specJson: JSON.stringify({ name: 'filler', gpus: 1, command: ['sleep', '3600'] }), requestId: 'filler', array: '0-399' });
    await waitFor('every GPU to be taken', async () => (await client.rpc<{ jobs: Job__Output[] }>('ListJobs', { states: ['RUNNING'], limit: 400 })).jobs.length === 400, 120_000);
    // The bench is the client: its CPU is counted too, as `client`.
    const cpu0 = { ...cpuByRole(processes), client: cpuSeconds(process.pid) };
    const t0 = Date.now();
    await submitEach(client, 'queued');
    const submitS = (Date.now() - t0) / 1000;
    const cpu1 = { ...cpuByRole(processes), client: cpuSeconds(process.pid) };
    return { submitOnly: { jobs: JOBS, inFlight: IN_FLIGHT, submitS: round(submitS), submissionsPerS: round(JOBS / submitS), cpuMsPerSubmit: cpuMsPer(cpu0, cpu1, JOBS) } };
  } finally {
    await down();
  }
}

async function wattpack() {
  const { client, processes, down } = await startDevSite('h100x8:50', { maxQueuedPerTeam: 0 });
  try {
    const array = await run(client, processes, 'array', () => submit(client, { specJson: spec('array'), requestId: 'array', array: `0-${JOBS - 1}` }));
    const single = await run(client, processes, 'single', () => submitEach(client, 'single'));
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      await submit(client, { specJson: spec('latency'), requestId: `latency-${i}` });
      await new Promise((r) => setTimeout(r, 20));
    }
    const latency = (await drained(client)).filter((j) => j.spec?.name === 'latency').map((j) => Number(j.startedAtMs) - Number(j.submittedAtMs));
    return { gpus: 400, nodes: '50 × 8 H100 (hollow, one agent process)', array, oneJobPerRequest: { ...single, inFlight: IN_FLIGHT }, submitToRunningMs: percentiles(latency) };
  } finally {
    await down();
  }
}

async function slurm() {
  if (process.env.BENCH_SLURM === '0') return { skipped: 'BENCH_SLURM=0' };
  if (!existsSync('/usr/sbin/slurmctld')) return { skipped: 'slurmctld is not installed (Debian: apt-get install slurm-wlm munge)' };
  const cluster = await startSlurm({ nodes: 100, gpusPerNode: 4 });
  try {
    const t0 = Date.now();
    cluster.run('sbatch', ['--array', `1-${JOBS}`, '--gres', 'gpu:1', '-o', '/dev/null', '--wrap', 'true']);
    const submitS = (Date.now() - t0) / 1000;
    await waitFor('Slurm to run every job', () => cluster.run('squeue', ['-h']).trim() === '', 30 * 60_000);
    const totalS = (Date.now() - t0) / 1000;
    return { version: cluster.version, gpus: 400, nodes: '100 slurmd × 4 GPUs', array: { jobs: JOBS, submitS: round(submitS), totalS: round(totalS), jobsPerS: round(JOBS / totalS) } };
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  if (process.env.BENCH_ONLY === 'submit') {
    process.stdout.write(`${JSON.stringify({ machine: `${cpus().length} cores`, ...(await submitOnly()) }, null, 2)}\n`);
    return;
  }
  const w = await wattpack();
  const s = await slurm();
  const ratio = 'array' in s && s.array ? { arrayJobsPerS: round(w.array.jobsPerS / s.array.jobsPerS), oneJobPerRequestJobsPerS: round(w.oneJobPerRequest.jobsPerS / s.array.jobsPerS) } : undefined;
  process.stdout.write(`${JSON.stringify({ machine: `${cpus().length} cores`, jobs: JOBS, wattpack: w, slurm: s, ...(ratio && { wattpackOverSlurm: ratio }) }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:e2e failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
