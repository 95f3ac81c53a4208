import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { Job__Output } from '@wattpack/common/proto/Job';
import type { ListJobsResponse__Output } from '@wattpack/common/proto/ListJobsResponse';
import { useLocalSite } from './harness.js';

// One 8-GPU node, and a team may have at most 2 jobs PENDING.
const site = useLocalSite({ agents: [{ id: 'gpu-1', profile: 'h100x8' }], site: { maxQueuedPerTeam: 2 } });

const ids = (stdout: string): string[] => (JSON.parse(stdout) as Job__Output[]).map((j) => j.id);

async function submit(args: string[]): Promise<Job__Output> {
  const r = await site().cli(['submit', '-o', 'json', ...args]);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Job__Output;
}

describe('bounded lists and queues, with the real binaries', () => {
  it('lists jobs page by page (--page-size, --limit) and by team, state and submit time', async () => {
    const jobs: Job__Output[] = [];
    for (let i = 1; i <= 5; i++) jobs.push(await submit(['--name', `p${i}`, '--team', 'pager', '--gpus', '1', '--', 'sh', '-c', i === 3 ? 'exit 3' : 'true']));
    for (const j of jobs) await site().waitForState(j.id, ['SUCCEEDED', 'FAILED']);
    const all = jobs.map((j) => j.id);

    // Pages of 2: three requests, every job once, oldest first.
    const paged = await site().cli(['jobs', '--team', 'pager', '--page-size', '2', '-o', 'json']);
    expect(paged.exitCode, paged.stderr).toBe(0);
    expect(paged.stderr).toBe('');
    expect(ids(paged.stdout)).toEqual(all);

    // The scheduler's pages themselves: 2, 2, 1, then an empty token.
    const sizes: number[] = [];
    let pageToken = '';
    do {
      const page = await site().rpc<ListJobsResponse__Output>('ListJobs', { team: 'pager', limit: 2, pageToken });
      sizes.push(page.jobs.length);
      pageToken = page.nextPageToken;
    } while (pageToken && sizes.length < 10);
    expect(sizes).toEqual([2, 2, 1]);

    const limited = await site().cli(['jobs', '--team', 'pager', '--limit', '3', '--page-size', '2', '-o', 'json']);
    expect(limited.exitCode, limited.stderr).toBe(0);
    expect(ids(limited.stdout)).toEqual(all.slice(0, 3));
    expect(limited.stderr).toMatch(/the first 3 jobs: more match/);

    const failed = await site().cli(['jobs', '--team', 'pager', '--state', 'failed', '-o', 'json']);
    expect(ids(failed.stdout)).toEqual([jobs[2]!.id]);

    const since = new Date(jobs[3]!.submittedAtMs).toISOString();
    const recent = await site().cli(['jobs', '--team', 'pager', '--since', since, '--page-size', '1', '-o', 'json']);
    expect(ids(recent.stdout)).toEqual(all.slice(3));

    const table = await site().cli(['jobs', '--team', 'pager', '--since', '1h', '--page-size', '1']);
    expect(table.exitCode, table.stderr).toBe(0);
    for (const id of all) expect(table.stdout).toContain(id);
    expect(table.stdout).toMatch(/FAILED/);

    const bad = await site().cli(['jobs', '--since', 'last tuesday']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--since "last tuesday": use a duration ago/);
  }, 90_000); // eleven runs of the real CLI

  it("refuses a submit over the team's queue limit through the CLI (exit 1, the team, its count, the limit), and takes one again once a place frees", async () => {
    const blocker = await submit(['--name', 'blocker', '--team', 'other', '--gpus', '8', '--', 'sleep', '60']);
    await site().waitForState(blocker.id, ['RUNNING']);
    const queued = [
      await submit(['--name', 'c1', '--team', 'crowd', '--gpus', '8', '--', 'true']),
      await submit(['--name', 'c2', '--team', 'crowd', '--gpus', '8', '--', 'true']),
    ];
    for (const j of queued) expect((await site().job(j.id)).state).toBe('PENDING');

    const refused = await site().cli(['submit', '--name', 'c3', '--team', 'crowd', '--gpus', '8', '--', 'true']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe("error: team crowd has 2 jobs queued (PENDING), the site's limit (maxQueuedPerTeam 2): wait for some to start, or cancel some");
    expect(ids((await site().cli(['jobs', '--team', 'crowd', '-o', 'json'])).stdout)).toEqual(queued.map((j) => j.id));

    // Another team's queue is its own.
    await submit(['--name', 'o1', '--team', 'elsewhere', '--gpus', '8', '--', 'true']);

    expect((await site().cli(['cancel', queued[0]!.id])).exitCode).toBe(0);
    const again = await submit(['--name', 'c3', '--team', 'crowd', '--gpus', '8', '--', 'true']);
    expect(again.state).toBe('PENDING');

    expect((await site().cli(['cancel', blocker.id])).exitCode).toBe(0);
  });

  it('refuses a request over 4 MiB at the transport, and a spec over 64 KiB by name', async () => {
    const huge = JSON.stringify({ name: 'huge', command: ['true'], gpus: 0, args: ['x'.repeat(5 * 1024 * 1024)] });
    await expect(site().rpc('SubmitJob', { specJson: huge })).rejects.toMatchObject({ code: status.RESOURCE_EXHAUSTED });

    const big = JSON.stringify({ name: 'big', command: ['true'], gpus: 0, env: { DATA: 'x'.repeat(100_000) } });
    const err = await site().rpc('SubmitJob', { specJson: big }).catch((e: { code: number; details: string }) => e);
    expect(err).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^invalid job spec: the whole spec is 97\.\d KiB as JSON: at most 64 KiB \(its largest field, "env"/) });
    expect((err as { details: string }).details.length).toBeLessThan(200);
  });
});
