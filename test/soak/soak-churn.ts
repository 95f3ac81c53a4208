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
 * 2000), SOAK_CHURN_NODES (50), SOAK_CHURN_RETENTION_S (60).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { arrayTaskId } from '@wattpack/common';
import type { Job__Output } from '@wattpack/common/proto/Job';
import type { UsageRecord__Output } from '@wattpack/common/proto/UsageRecord';
import { waitFor, type RpcClient } from '../e2e/harness.js';
import { startDevSite } from './dev-site.js';
import { memoryMb, slope } from './proc.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const JOBS = env('SOAK_CHURN_JOBS', 100_000);
const ARRAY = Math.min(env('SOAK_CHURN_ARRAY', 2000), JOBS);
const NODES = env('SOAK_CHURN_NODES', 50);
const RETENTION_S = env('SOAK_CHURN_RETENTION_S', 60);
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

async function main(): Promise<void> {
  const site = await startDevSite(`h100x8:${NODES}`, { maxQueuedPerTeam: 0, finishedJobRetention: RETENTION_S });
  // The jobs run as the site's job user (nobody under root): it must reach the file.
  chmodSync(site.dir, 0o711);
  const marksDir = join(site.dir, 'marks');
  mkdirSync(marksDir);
  chmodSync(marksDir, 0o777);
  const marks = join(marksDir, 'ran');
  writeFileSync(marks, '');
  chmodSync(marks, 0o666);
  const { client } = site;
  const started = Date.now();
  const expected: string[] = [];
  const rss: { s: number; jobs: number; mb: number }[] = [];
  let done = 0;
  const sampler = setInterval(() => rss.push({ s: (Date.now() - started) / 1000, jobs: done, mb: memoryMb(site.schedulerPid).rssMb }), SAMPLE_MS);
  try {
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
      done = expected.length - (await active(client, ARRAY + 1));
    }
    await waitFor('every job to end', async () => (await active(client, 1)) === 0, 60 * 60_000);
    done = expected.length;
    const wallS = (Date.now() - started) / 1000;

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
    const notSucceeded = stored.filter((j) => j.spec?.name === 'churn' && j.state !== 'SUCCEEDED').length;

    const lost = expected.filter((id) => !ran.has(id) || !succeeded.has(id)).length;
    const duplicated = expected.filter((id) => (ran.get(id)?.length ?? 0) > 1 || (succeeded.get(id) ?? 0) > 1).length;
    const expectedSet = new Set(expected);
    const unknown = [...ran.keys()].filter((id) => !expectedSet.has(id)).length;

    const warm = rss.filter((p) => p.jobs >= JOBS * WARMUP);
    const series = warm.length >= 2 ? warm : rss;
    const result = {
      machine: `${cpus().length} cores`,
      loadAvg1mAtEnd: round(loadavg()[0]!, 2),
      site: `${NODES} × 8 H100 (hollow, one agent process), finishedJobRetention ${RETENTION_S}s`,
      jobs: { submitted: expected.length, arrays: Math.ceil(expected.length / ARRAY), ran: ran.size, historySucceeded: succeeded.size, storedAtEnd: stored.length, storedNotSucceeded: notSucceeded },
      lost,
      duplicated,
      unknown,
      wallS: Math.round(wallS),
      jobsPerS: round(expected.length / wallS),
      schedulerRssMb: {
        samples: rss.length,
        firstAfterWarmup: series[0]?.mb,
        last: rss.at(-1)?.mb,
        peak: Math.max(...rss.map((p) => p.mb)),
        slopeMbPerHour: round(slope(series.map((p) => ({ x: p.s / 3600, y: p.mb })))),
        slopeMbPer10kJobs: round(slope(series.map((p) => ({ x: p.jobs / 10_000, y: p.mb })))),
        series: rss.map((p) => [Math.round(p.s), p.jobs, p.mb]),
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    process.exitCode = lost === 0 && duplicated === 0 && unknown === 0 && notSucceeded === 0 ? 0 : 1;
  } finally {
    clearInterval(sampler);
    await site.down();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`soak:churn failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
