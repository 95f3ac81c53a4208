import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { createLogger, defaultSiteConfig, JOB_STATES, jobSpecSchema, LIST_JOBS_LIMITS, type Job, type SiteConfig } from '@wattpack/common';
import type { ListJobsRequest__Output } from '@wattpack/common/proto/ListJobsRequest';
import type { ListJobsResponse } from '@wattpack/common/proto/ListJobsResponse';
import type { Job as JobProto } from '@wattpack/common/proto/Job';
import { Scheduler } from '../loop/scheduler.js';
import { Revocations } from './revocations.js';
import { schedulerService } from './scheduler-service.js';

const log = createLogger('test', 'silent');
const TEAMS = ['vision', 'nlp', 'speech', 'rl', 'infra'];

/** n stored jobs: ids not in submit order, many sharing a millisecond, put in the map shuffled. */
function storedJobs(n: number, base = 1_700_000_000_000): Map<string, Job> {
  const spec = jobSpecSchema.parse({ name: 'train', command: ['python', 'train.py'], gpus: 8 });
  const jobs: Job[] = [];
  for (let i = 0; i < n; i++) {
    jobs.push({
      // Ids sort differently from the submit order: the order is submitted time, then id.
      id: `j-${((i * 7919) % n).toString(36).padStart(4, '0')}-${i}`,
      spec: { ...spec, team: TEAMS[i % TEAMS.length]! },
      state: JOB_STATES[i % JOB_STATES.length]!,
      reason: '',
      submittedAt: base + Math.floor(i / 3),
      attempt: 0,
      attemptId: '',
      assignments: [],
      powerLimitW: 0,
      allocatedFacilityW: 0,
    });
  }
  for (let i = jobs.length - 1; i > 0; i--) {
    const k = (i * 2654435761) % (i + 1);
    [jobs[i], jobs[k]] = [jobs[k]!, jobs[i]!];
  }
  return new Map(jobs.map((j) => [j.id, j]));
}

const inOrder = (jobs: Iterable<Job>) => [...jobs].sort((a, b) => a.submittedAt - b.submittedAt || (a.id < b.id ? -1 : 1)).map((j) => j.id);

function api(jobs: Map<string, Job>, deleteJob: (id: string) => Promise<void> = async () => {}) {
  const scheduler = new Scheduler({
    site: defaultSiteConfig(),
    jobs,
    nodes: new Map(),
    log,
    ports: { putJob: async () => {}, deleteJob, putNode: async () => {}, putSite: async () => {}, sendCommand: async () => {} },
  });
  // Paging is what these tests look at: no revocations, and ListJobs (a read) writes no audit.
  const trust = { revocations: new Revocations([], async () => {}), audit: { record: async () => {}, read: async () => ({ records: [], truncated: false }) } };
  const service = schedulerService(scheduler, { read: async () => {} }, log, trust);
  const listJobs = (request: Partial<ListJobsRequest__Output>) =>
    new Promise<Required<ListJobsResponse>>((resolve, reject) => {
      const call = { getAuthContext: () => ({}), request: { states: [], team: '', sinceMs: 0, limit: 0, pageToken: '', ...request } } as unknown as grpc.ServerUnaryCall<ListJobsRequest__Output, ListJobsResponse>;
      service.ListJobs(call, (err, res) => (err ? reject(err) : resolve(res as Required<ListJobsResponse>)));
    });
  const getJob = (id: string) =>
    new Promise<JobProto>((resolve, reject) => {
      const call = { getAuthContext: () => ({}), request: { id } } as unknown as grpc.ServerUnaryCall<{ id: string }, JobProto>;
      service.GetJob(call, (err, res) => (err ? reject(err) : resolve(res!)));
    });
  /** Every page of a query: the ids in the order they came, and how many pages. */
  const all = async (request: Partial<ListJobsRequest__Output>) => {
    const ids: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await listJobs({ ...request, pageToken });
      ids.push(...page.jobs.map((j) => j.id!));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    return { ids, pages };
  };
  return { scheduler, listJobs, all, getJob };
}

describe('ListJobs', () => {
  it('pages through 100,000 jobs: each exactly once, in order, without sorting them all per page', async () => {
    const jobs = storedJobs(100_000);
    const started = performance.now();
    const { all, listJobs, getJob } = api(jobs);
    const expected = inOrder(jobs.values());

    const t0 = performance.now();
    const byDefault = await all({});
    const pagedMs = performance.now() - t0;
    expect(byDefault.pages).toBe(100_000 / LIST_JOBS_LIMITS.defaultLimit);
    expect(byDefault.ids).toHaveLength(100_000);
    expect(new Set(byDefault.ids).size).toBe(100_000);
    expect(byDefault.ids).toEqual(expected);

    // The largest pages, and a limit over the maximum is lowered to it.
    const largest = await all({ limit: 1_000_000 });
    expect(largest.pages).toBe(100_000 / LIST_JOBS_LIMITS.maxLimit);
    expect(largest.ids).toEqual(expected);

    // A page deep in the list costs what the first does: a binary search, not a scan or a sort.
    const firstPage = await listJobs({ limit: 10 });
    let deepToken = '';
    for (let i = 0; i < 20; i++) deepToken = (await listJobs({ limit: i < 19 ? 5000 : 4990, pageToken: deepToken })).nextPageToken;
    const tFirst = performance.now();
    for (let i = 0; i < 200; i++) await listJobs({ limit: 10 });
    const firstMs = performance.now() - tFirst;
    const tDeep = performance.now();
    for (let i = 0; i < 200; i++) await listJobs({ limit: 10, pageToken: deepToken });
    const deepMs = performance.now() - tDeep;
    expect((await listJobs({ limit: 10, pageToken: deepToken })).jobs.map((j) => j.id)).toEqual(expected.slice(99_990));
    expect(firstPage.jobs.map((j) => j.id)).toEqual(expected.slice(0, 10));

    // GetJob by an id prefix scans the ids ("j-" and 4 characters name one job here).
    const probe = expected[50_000]!;
    const tLookup = performance.now();
    for (let i = 0; i < 100; i++) expect((await getJob(probe.slice(0, 7))).id).toBe(probe);
    const lookupMs = performance.now() - tLookup;

    console.log(
      `100,000 jobs: index built and first query in ${(t0 - started).toFixed(0)} ms; 200 pages of 500 in ${pagedMs.toFixed(0)} ms; ` +
        `200 first pages of 10 in ${firstMs.toFixed(0)} ms, 200 last pages of 10 in ${deepMs.toFixed(0)} ms; ` +
        `100 GetJob by id prefix in ${lookupMs.toFixed(0)} ms`,
    );
    // Sorting 100,000 jobs per page took about a second for 200 pages on its own; a page
    // at the end must cost about what the first does (generous bounds: shared CI cores).
    expect(deepMs).toBeLessThan(firstMs * 5 + 50);
    expect(pagedMs).toBeLessThan(5_000);
  }, 60_000);

  it('filters by team, states and submit time, in order, across pages', async () => {
    const jobs = storedJobs(2_000);
    const { all } = api(jobs);
    const since = 1_700_000_000_000 + 300;
    const want = [...jobs.values()].filter((j) => j.spec.team === 'nlp' && (j.state === 'PENDING' || j.state === 'FAILED') && j.submittedAt >= since);
    expect(want.length).toBeGreaterThan(20);
    const got = await all({ team: 'nlp', states: ['PENDING', 'FAILED'], sinceMs: since, limit: 7 });
    expect(got.ids).toEqual(inOrder(want));
    expect(got.pages).toBe(Math.ceil(want.length / 7));
    expect((await all({ team: 'nobody' })).ids).toEqual([]);
  });

  it('ends with an empty token exactly when nothing more matches', async () => {
    const { listJobs } = api(storedJobs(10));
    const first = await listJobs({ limit: 5 });
    expect(first.jobs).toHaveLength(5);
    expect(first.nextPageToken).not.toBe('');
    const second = await listJobs({ limit: 5, pageToken: first.nextPageToken });
    expect(second.jobs).toHaveLength(5);
    expect(second.nextPageToken).toBe('');
  });

  it('keeps its place when jobs are submitted between pages', async () => {
    const { scheduler, listJobs } = api(new Map());
    const spec = JSON.stringify({ name: 'x', command: ['true'], gpus: 0 });
    const first = [await scheduler.submit(spec), await scheduler.submit(spec), await scheduler.submit(spec)];
    const page1 = await listJobs({ limit: 2 });
    const later = await scheduler.submit(spec);
    const page2 = await listJobs({ limit: 2, pageToken: page1.nextPageToken });
    expect([...page1.jobs, ...page2.jobs].map((j) => j.id)).toEqual([...first, later].map((j) => j.id));
    expect(page2.nextPageToken).toBe('');
  });

  it('ends a page early at 8 MiB of jobs, still with at least one', async () => {
    const jobs = storedJobs(300);
    // ~60 KiB specs: 300 of them are about 18 MiB.
    for (const j of jobs.values()) j.spec = { ...j.spec, args: ['x'.repeat(60_000)] };
    const { listJobs, all } = api(jobs);
    const page = await listJobs({ limit: 300 });
    expect(page.jobs.length).toBeGreaterThan(100);
    expect(page.jobs.length).toBeLessThan(150);
    expect(page.nextPageToken).not.toBe('');
    expect((await all({ limit: 300 })).ids).toEqual(inOrder(jobs.values()));
  });

  it("lists only the caller's own jobs with mine: the name its certificate verified", async () => {
    const jobs = storedJobs(500);
    // Without a certificate (an insecure scheduler) the caller is "anonymous".
    for (const [i, j] of [...jobs.values()].entries()) j.owner = i % 4 === 0 ? 'anonymous' : 'alice';
    const { all } = api(jobs);
    const want = [...jobs.values()].filter((j) => j.owner === 'anonymous' && j.spec.team === 'vision');
    expect(want.length).toBeGreaterThan(10);
    expect((await all({ mine: true, team: 'vision', limit: 9 })).ids).toEqual(inOrder(want));
    expect((await all({ mine: false })).ids).toHaveLength(500);
  });

  it('finds a job by id, by name, or by a prefix of one id; a choice is refused, listing the newest', async () => {
    const jobs = storedJobs(30);
    const ids = [...jobs.keys()];
    const lone = jobs.get(ids[3]!)!;
    lone.spec = { ...lone.spec, name: 'lone' };
    const { getJob } = api(jobs);
    expect((await getJob(lone.id)).id).toBe(lone.id);
    expect((await getJob('lone')).id).toBe(lone.id);
    // A prefix only this id has: its whole id but the last character.
    const unique = ids.find((id) => ids.filter((other) => other.startsWith(id.slice(0, -1))).length === 1)!;
    expect((await getJob(unique.slice(0, -1))).id).toBe(unique);

    const byName = await getJob('train').catch((e: grpc.StatusObject) => e);
    expect(byName).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/^"train" names 29 jobs, newest first: j-\S+ \(train, \w+, -\), .*, and 19 more; give a job id or a longer prefix$/) });
    const newest = [...jobs.values()].filter((j) => j.spec.name === 'train').sort((a, b) => b.submittedAt - a.submittedAt)[0]!;
    expect((byName as grpc.StatusObject).details).toContain(`newest first: ${newest.id} `);
    await expect(getJob('j-')).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining('"j-" names 30 jobs') });
    await expect(getJob('nope')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND, details: 'no job with id, name or id prefix "nope"' });
    await expect(getJob('')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('forgets finished jobs past retention in the lookup too: their names and prefixes no longer find them', async () => {
    const jobs = storedJobs(30);
    // storedJobs cycles through the states: the finished ones (long ago) are swept.
    for (const j of jobs.values()) j.finishedAt = 1;
    const finished = [...jobs.values()].filter((j) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(j.state));
    const kept = [...jobs.values()].find((j) => !finished.includes(j))!;
    const { scheduler, getJob } = api(jobs);
    expect(await scheduler.forgetFinished()).toBe(finished.length);
    await expect(getJob(finished[0]!.id)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(getJob(finished[0]!.id.slice(0, 7))).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    expect((await getJob(kept.id.slice(0, 7))).id).toBe(kept.id);
    await expect(getJob('train')).rejects.toMatchObject({ details: expect.stringContaining(`"train" names ${30 - finished.length} jobs`) });
  });

  it('lists while a sweep deletes from the store: each job is in the map and the listing, or in neither', async () => {
    const jobs = storedJobs(30);
    for (const j of jobs.values()) j.finishedAt = 1;
    const finished = [...jobs.values()].filter((j) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(j.state)).length;
    let deleted = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // The store answers the first few deletes, then holds the next one: the sweep is half-way.
    const { scheduler, listJobs } = api(jobs, async () => {
      if (++deleted > 3) await held;
    });
    const sweep = scheduler.forgetFinished();
    await new Promise((r) => setTimeout(r, 10));
    expect(deleted).toBe(4);
    expect((await listJobs({ limit: 100 })).jobs).toHaveLength(30);
    release();
    expect(await sweep).toBe(finished);
    expect((await listJobs({ limit: 100 })).jobs).toHaveLength(30 - finished);
  });

  it('refuses an unknown state and a token it did not make, repeating little of either', async () => {
    const { listJobs } = api(storedJobs(10));
    await expect(listJobs({ states: ['DONE'] })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'states: unknown state "DONE": use PENDING, STARTING, RUNNING, SUCCEEDED, FAILED, CANCELLED' });
    for (const token of ['not-a-token', Buffer.from('123.j-1/../x').toString('base64url'), 'A'.repeat(10_000)]) {
      const err = await listJobs({ pageToken: token }).catch((e: grpc.StatusObject) => e);
      expect(err).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/^page_token: ".{1,40}…?" is not a next_page_token of ListJobs/) });
      expect((err as grpc.StatusObject).details.length).toBeLessThan(150);
    }
  });
});

describe('per-team queue limit', () => {
  const scheduler = (jobs: Map<string, Job>, site: Partial<SiteConfig>) => {
    const s = new Scheduler({
      site: { ...defaultSiteConfig(), ...site },
      jobs,
      nodes: new Map(),
      log,
      ports: { putJob: async () => {}, deleteJob: async () => {}, putNode: async () => {}, putSite: async () => {}, sendCommand: async () => {} },
    });
    s.stop(); // no passes: what is PENDING stays so
    return s;
  };
  const spec = (team: string) => JSON.stringify({ name: 'x', team, command: ['true'], gpus: 0 });

  it('counts PENDING jobs loaded from the store, per team, and refuses with RESOURCE_EXHAUSTED naming the team, its count and the limit', async () => {
    const jobs = storedJobs(60);
    const pendingVision = [...jobs.values()].filter((j) => j.state === 'PENDING' && j.spec.team === 'vision').length;
    expect(pendingVision).toBeGreaterThan(1);
    const limited = scheduler(jobs, { maxQueuedPerTeam: pendingVision });
    await expect(limited.submit(spec('vision'))).rejects.toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
      message: `team vision has ${pendingVision} jobs queued (PENDING), the site's limit (maxQueuedPerTeam ${pendingVision}): wait for some to start, or cancel some`,
    });
    await expect(limited.submit(spec('robotics'))).resolves.toMatchObject({ state: 'PENDING' });
  });

  it('frees a place when a queued job leaves the queue; 0 means no limit', async () => {
    const limited = scheduler(new Map(), { maxQueuedPerTeam: 2 });
    const a = await limited.submit(spec('vision'));
    await limited.submit(spec('vision'));
    await expect(limited.submit(spec('vision'))).rejects.toThrow('team vision has 2 jobs queued (PENDING)');
    await limited.cancel(a.id, 'make room');
    await expect(limited.submit(spec('vision'))).resolves.toMatchObject({ state: 'PENDING' });
    await expect(limited.submit(spec('vision'))).rejects.toThrow('team vision has 2 jobs queued');

    const unlimited = scheduler(new Map(), { maxQueuedPerTeam: 0 });
    for (let i = 0; i < 50; i++) await unlimited.submit(spec('vision'));
    expect(unlimited.listJobs({ states: ['PENDING'] })).toHaveLength(50);
  });
});
