/**
 * `pnpm soak:churn` (a script, not a CI test): 100,000 short jobs through a dev site (50
 * hollow 8-GPU nodes, one agent process), as arrays of one-GPU tasks, with finished jobs
 * leaving the scheduler's store after a minute (finishedJobRetention). Each task's process
 * appends its job and attempt id to one file; at the end every job is checked three ways:
 * that file (it ran, once), the accounting history (one SUCCEEDED attempt) and the job
 * states still stored (none lost, none failed). The scheduler's RSS is sampled every 10 s;
 * printed: first (after warm-up), last, peak and the slope, with the jobs done at each.
 * Prints one JSON document; exits 1 on a lost or duplicated job.
 *
 * Environment: SOAK_CHURN_JOBS (default 100000), SOAK_CHURN_ARRAY (tasks per array,
 * 2000), SOAK_CHURN_NODES (50), SOAK_CHURN_RETENTION_S (60), SOAK_CHURN_NODE_LEASE_S (the site's
 * default; a short one stresses lease handling on a busy scheduler), SOAK_CHURN_NODE_LOST_S (the
 * site's nodeLostSeconds: silent this long, a node's attempts are requeued), SOAK_LOG_LEVEL (warn),
 * SOAK_CHURN_ACCOUNTING (`postgres`: the accounting history in a PostgreSQL of its own, not
 * the embedded PGlite, to tell the scheduler's own memory from the embedded store's).
 * Beside RSS it samples the scheduler's V8 heap in use (its /metrics): the JS objects the
 * scheduler keeps, without the embedded store's WebAssembly memory.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { arrayTaskId } from '@wattpack/common';
import type { Job__Output } from '@wattpack/common/proto/Job';
import type { UsageRecord__Output } from '@wattpack/common/proto/UsageRecord';
import { waitFor, type RpcClient } from '../e2e/harness.js';
import { startDevSite } from './dev-site.js';
import { startPostgres } from '@wattpack/scheduler/testing';
import { heapFromMetrics, memoryMb, slope } from './proc.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const JOBS = env('SOAK_CHURN_JOBS', 100_000);
const ARRAY = Math.min(env('SOAK_CHURN_ARRAY', 2000), JOBS);
const NODES = env('SOAK_CHURN_NODES', 50);
const RETENTION_S = env('SOAK_CHURN_RETENTION_S', 60);
const NODE_LEASE_S = {
  ...(process.env.SOAK_CHURN_NODE_LEASE_S ? { nodeLeaseSeconds: env('SOAK_CHURN_NODE_LEASE_S', 15) } : {}),
  ...(process.env.SOAK_CHURN_NODE_LOST_S ? { nodeLostSeconds: env('SOAK_CHURN_NODE_LOST_S', 60) } : {}),
};
const SAMPLE_MS = 10_000;
/** RSS before this share of the jobs is warm-up (JIT, pools, the accounting store's first pages). */
const WARMUP = 0.1;
const ACTIVE = ['PENDING', 'STARTING', 'RUNNING'];

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * A call retried until it answers: on this loaded machine a reply may come after the
 * client's deadline. Submits carry a request id, so a retry returns the first array.
 */
const call = <T>(client: RpcClient, method: string, request: object): Promise<T> => waitFor(`${method} to answer`, () => client.rpc<T>(method, request), 10 * 60_000);

/** Jobs not ended yet, counted up to `atMost`. */
async function active(client: RpcClient, atMost: number): Promise<number> {
  return (await call<{ jobs: Job__Output[] }>(client, 'ListJobs', { states: ACTIVE, limit: atMost })).jobs.length;
}

/** Every page of a paged list. */
async function allPages<T>(fetch: (pageToken: string) => Promise<{ items: T[]; next: string }>): Promise<T[]> {
  const out: T[] = [];
  let token = '';
  do {
    const page = await fetch(token);
    out.push(...page.items);
    token = page.next;
  } while (token);
  return out;
}

type RssSample = { s: number; jobs: number; mb: number } & ReturnType<typeof heapFromMetrics>;

/** The scheduler's V8 heap, from its /metrics. */
async function heapMb(metricsAddr: string): Promise<ReturnType<typeof heapFromMetrics>> {
  return heapFromMetrics(await fetch(`http://${metricsAddr}/metrics`).then((r) => r.text(), () => ''));
}

async function main(): Promise<void> {
  const postgres = process.env.SOAK_CHURN_ACCOUNTING === 'postgres' ? await startPostgres() : undefined;
  if (postgres) process.env.WATTPACK_ACCOUNTING_DB = postgres.url;
  const site = await startDevSite(`h100x8:${NODES}`, { maxQueuedPerTeam: 0, finishedJobRetention: RETENTION_S, ...NODE_LEASE_S });
  const marks = marksFile(site.dir);
  const { client } = site;
  const started = Date.now();
  const rss: RssSample[] = [];
  const progress = { done: 0 };
  const sample = async () => {
    const heap = await heapMb(site.metrics.scheduler!);
    rss.push({ s: (Date.now() - started) / 1000, jobs: progress.done, mb: memoryMb(site.schedulerPid).rssMb, ...heap });
  };
  const sampler = setInterval(() => void sample(), SAMPLE_MS);
  try {
    const expected = await submitAndDrain(client, marks, started, progress);
    const wallS = (Date.now() - started) / 1000;
    const check = await checkEveryJob(client, marks, started, expected);
    process.stdout.write(`${JSON.stringify(report(expected, check, rss, wallS), null, 2)}\n`);
    process.exitCode = check.lost === 0 && check.duplicated === 0 && check.unknown === 0 && check.notSucceeded === 0 ? 0 : 1;
  } finally {
    clearInterval(sampler);
    await site.down();
    await postgres?.stop();
  }
}

/** The file every task appends to; the jobs run as the site's job user (nobody under root), so it must reach it. */
function marksFile(siteDir: string): string {
  chmodSync(siteDir, 0o711);
  const marksDir = join(siteDir, 'marks');
  mkdirSync(marksDir);
  chmodSync(marksDir, 0o777);
  const marks = join(marksDir, 'ran');
  writeFileSync(marks, '');
  chmodSync(marks, 0o666);
  return marks;
}

/** Submits JOBS as arrays, one queued behind the running one, until every job has ended; returns every job id. */
async function submitAndDrain(client: RpcClient, marks: string, started: number, progress: { done: number }): Promise<string[]> {
  const expected: string[] = [];
  // O_APPEND writes of one short line do not interleave: the file is the record of what ran.
  const spec = { name: 'churn', gpus: 1, env: { MARKS: marks }, command: ['sh', '-c', 'echo "$WATTPACK_JOB_ID $WATTPACK_ATTEMPT_ID" >> "$MARKS"'] };
  while (expected.length < JOBS) {
    const n = Math.min(ARRAY, JOBS - expected.length);
    const request = { specJson: JSON.stringify(spec), array: `0-${n - 1}`, requestId: `churn-${started}-${expected.length}` };
    const first = await call<Job__Output>(client, 'SubmitJob', request);
    const width = String(n - 1).length;
    for (let i = 0; i < n; i++) expected.push(arrayTaskId(first.arrayJobId, i, width));
    // One array queued behind the running one: the queue stays bounded, the site busy.
    await waitFor('the queue to drain', async () => (await active(client, ARRAY + 1)) <= ARRAY / 2, 60 * 60_000);
    progress.done = expected.length - (await active(client, ARRAY + 1));
  }
  await waitFor('every job to end', async () => (await active(client, 1)) === 0, 60 * 60_000);
  progress.done = expected.length;
  return expected;
}

type Check = Awaited<ReturnType<typeof checkEveryJob>>;

/** Every job checked three ways: the marks file, the accounting history, the job states still stored. */
async function checkEveryJob(client: RpcClient, marks: string, started: number, expected: string[]) {
  // What ran: one line per attempt process.
  const ran = new Map<string, string[]>();
  for (const line of readFileSync(marks, 'utf8').split('\n')) {
    const [jobId, attemptId] = line.split(' ');
    if (jobId && attemptId) (ran.get(jobId) ?? ran.set(jobId, []).get(jobId)!).push(attemptId);
  }
  // The accounting history: the store is fed from a stream, so wait until it holds every job.
  const history = async () =>
    allPages<UsageRecord__Output>(async (pageToken) => {
      const r = await call<{ records: UsageRecord__Output[]; nextPageToken: string }>(client, 'ListHistory', { sinceMs: started - 60_000, limit: 1000, pageToken });
      return { items: r.records, next: r.nextPageToken };
    });
  let records: UsageRecord__Output[] = [];
  await waitFor('the accounting history to hold every job', async () => (records = await history()).length >= expected.length, 10 * 60_000).catch(() => undefined);
  const succeeded = new Map<string, number>();
  for (const r of records) if (r.state === 'SUCCEEDED') succeeded.set(r.jobId, (succeeded.get(r.jobId) ?? 0) + 1);
  // Jobs still in the store (finished within the retention): none may have failed.
  const stored = await allPages<Job__Output>(async (pageToken) => {
    const r = await call<{ jobs: Job__Output[]; nextPageToken: string }>(client, 'ListJobs', { limit: 5000, pageToken });
    return { items: r.jobs, next: r.nextPageToken };
  });
  const expectedSet = new Set(expected);
  const duplicates = expected.filter((id) => (ran.get(id)?.length ?? 0) > 1 || (succeeded.get(id) ?? 0) > 1);
  return {
    ran: ran.size,
    historySucceeded: succeeded.size,
    storedAtEnd: stored.length,
    notSucceeded: stored.filter((j) => j.spec?.name === 'churn' && j.state !== 'SUCCEEDED').length,
    lost: expected.filter((id) => !ran.has(id) || !succeeded.has(id)).length,
    duplicated: duplicates.length,
    // What a duplicate is made of: the attempts that ran and the history records of each, to find its cause.
    duplicates: duplicates.slice(0, 20).map((id) => ({
      jobId: id,
      ran: ran.get(id) ?? [],
      history: records.filter((r) => r.jobId === id).map((r) => ({ attemptId: r.attemptId, attempt: r.attempt, state: r.state, reason: r.reason, nodes: r.nodes, startedAtMs: r.startedAtMs, endedAtMs: r.endedAtMs })),
    })),
    unknown: [...ran.keys()].filter((id) => !expectedSet.has(id)).length,
  };
}

/**
 * The lowest sample of each 10,000 jobs: what stays once the garbage of the moment is
 * collected. A leak raises it; a heap that spikes and shrinks does not.
 */
function lowestPer10k(samples: RssSample[], mb: (p: RssSample) => number): number[] {
  const lowest: number[] = [];
  for (const p of samples) {
    const i = Math.floor(p.jobs / 10_000);
    lowest[i] = Math.min(lowest[i] ?? Infinity, mb(p));
  }
  return [...lowest].map((x) => x ?? NaN);
}

/** The printed document; RSS figures after warm-up, when there are enough samples. */
function report(expected: string[], check: Check, rss: RssSample[], wallS: number) {
  const warm = rss.filter((p) => p.jobs >= JOBS * WARMUP);
  const series = warm.length >= 2 ? warm : rss;
  return {
    machine: `${cpus().length} cores`,
    loadAvg1mAtEnd: round(loadavg()[0]!, 2),
    site: `${NODES} × 8 H100 (hollow, one agent process), finishedJobRetention ${RETENTION_S}s, accounting ${process.env.SOAK_CHURN_ACCOUNTING === 'postgres' ? 'PostgreSQL' : 'embedded (PGlite)'}`,
    jobs: { submitted: expected.length, arrays: Math.ceil(expected.length / ARRAY), ran: check.ran, historySucceeded: check.historySucceeded, storedAtEnd: check.storedAtEnd, storedNotSucceeded: check.notSucceeded },
    lost: check.lost,
    duplicated: check.duplicated,
    duplicates: check.duplicates,
    unknown: check.unknown,
    wallS: Math.round(wallS),
    jobsPerS: round(expected.length / wallS),
    schedulerRssMb: {
      samples: rss.length,
      firstAfterWarmup: series[0]?.mb,
      last: rss.at(-1)?.mb,
      peak: Math.max(...rss.map((p) => p.mb)),
      slopeMbPerHour: round(slope(series.map((p) => ({ x: p.s / 3600, y: p.mb })))),
      slopeMbPer10kJobs: round(slope(series.map((p) => ({ x: p.jobs / 10_000, y: p.mb })))),
      lowestPer10kJobs: lowestPer10k(rss, (p) => p.mb),
      series: rss.map((p) => [Math.round(p.s), p.jobs, p.mb]),
    },
    schedulerHeapUsedMb: {
      firstAfterWarmup: series[0]?.heapMb,
      last: rss.at(-1)?.heapMb,
      peak: Math.max(...rss.map((p) => p.heapMb)),
      slopeMbPer10kJobs: round(slope(series.map((p) => ({ x: p.jobs / 10_000, y: p.heapMb })))),
      lowestPer10kJobs: lowestPer10k(rss, (p) => p.heapMb),
      series: rss.map((p) => [p.jobs, p.heapMb, p.heapTotalMb, p.externalMb]),
    },
  };
}

main().catch((err: unknown) => {
  process.stderr.write(`soak:churn failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
