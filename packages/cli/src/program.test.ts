import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, localSiteTrust } from '@wattpack/common';
import { beforeEach, describe, expect, it } from 'vitest';
import { cliWith, useFakeScheduler } from './testing/cli-session.js';
import { aJob } from './testing/fake-scheduler.js';

const { fake, cli, sent } = useFakeScheduler();

const specFile = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'wattpack-cli-')), 'job.yaml');
  writeFileSync(path, text);
  return path;
};

describe('submit', () => {
  it('sends flags and the argv after -- as the spec, and prints the new id', async () => {
    const r = await cli('submit', '--name', 'x', '--gpus', '8', '--nodes', '2', '--gpu-model', 'H100', '--team', 'vision', '--', 'python', 'train.py', '--lr', '1e-3', '-o', 'json');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toBe('submitted job job-1: PENDING: waiting for GPUs\n');
    const [request] = sent('SubmitJob') as [{ specJson: string }];
    expect(JSON.parse(request.specJson)).toEqual({
      name: 'x',
      team: 'vision',
      gpus: 8,
      nodes: 2,
      gpuModels: ['H100'],
      command: ['python', 'train.py', '--lr', '1e-3', '-o', 'json'],
    });
  });

  it('submits a file with a flag override and prints the Job as JSON', async () => {
    const file = specFile('name: hello\ngpus: 0\ncommand: [sh, -c, "echo hi"]\n');
    const r = await cli('-o', 'json', 'submit', file, '--priority', '5', '--no-preemptible');
    expect(r.code).toBe(0);
    // The scheduler names the owner from the caller's certificate, never from $USER.
    expect(JSON.parse(r.out)).toMatchObject({ id: 'job-1', state: 'PENDING', owner: 'dev' });
    const [request] = sent('SubmitJob') as [{ specJson: string }];
    expect(JSON.parse(request.specJson)).toEqual({ name: 'hello', gpus: 0, command: ['sh', '-c', 'echo hi'], priority: 5, preemptible: false });
  });

  it.each([
    ['an invalid file', ['submit', specFile('name: a\ngpus: -1\ncommand: [x]\n')], /error: invalid job spec in .*: gpus: /],
    ['an unknown field', ['submit', specFile('name: a\ngpus: 1\ncommand: [x]\ncolor: red\n')], /unknown field\(s\) "color"/],
    ['an unknown GPU model', ['submit', '--name', 'a', '--gpus', '1', '--gpu-model', 'H101', '--', 'x'], /gpuModels\.0: unknown GPU model/],
    ['malformed YAML', ['submit', specFile('name: [a\n')], /is not valid YAML/],
    ['a non-number flag', ['submit', '--name', 'a', '--gpus', 'eight', '--', 'x'], /option '--gpus <n>' argument 'eight' is invalid/],
    ['an unknown flag', ['submit', '--gpu', '1', '--', 'x'], /unknown option '--gpu'/],
    ['two files', ['submit', 'a.yaml', 'b.yaml'], /one job file at a time/],
    ['nothing to run', ['submit', '--name', 'a', '--gpus', '1'], /give a job file/],
    ['a spec over 64 KiB', ['submit', specFile(`name: a\ngpus: 1\ncommand: [x]\nargs: ["${'y'.repeat(70_000)}"]\n`)], /the whole spec is 68\.\d KiB as JSON: at most 64 KiB \(its largest field, "args"/],
    ['over 1,000 entries of command', ['submit', '--name', 'a', '--gpus', '1', '--', ...Array.from({ length: 1001 }, () => 'x')], /command: at most 1000 entries with args/],
    ['a power limit no GPU applies', ['submit', '--name', 'a', '--gpus', '1', '--max-watts', '7000', '--', 'x'], /power\.maxWatts: 7000 W is outside the 100-1000 W/],
    ['a malformed --env, clipped', ['submit', '--name', 'a', '--gpus', '1', '--env', 'z'.repeat(500), '--', 'x'], /--env "z{40}…": use KEY=VALUE\n/],
  ])('exits 2 and sends nothing for %s', async (_, argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(fake().calls).toEqual([]);
  });

  it('--wait follows the job and exits 0 when it succeeds', async () => {
    fake().updates.set('job-1', [
      aJob({ id: 'job-1', state: 'PENDING', reason: 'waiting for GPUs' }),
      aJob({ id: 'job-1', state: 'RUNNING', assignments: [{ nodeId: 'gpu-1', gpuIndices: [0], gpuModel: 'H100', started: true }] }),
      aJob({ id: 'job-1', state: 'SUCCEEDED', exitCode: 0 }),
    ]);
    const r = await cli('submit', '--wait', '--name', 'x', '--gpus', '1', '--', 'true');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      'submitted job job-1: PENDING: waiting for GPUs\njob job-1: RUNNING on gpu-1\njob job-1: SUCCEEDED (exit code 0)\n',
    );
  });

});

describe('jobs, job, cancel', () => {
  beforeEach(() => {
    fake().jobs.set('job-1', aJob({ reason: 'waiting for GPUs' }));
    fake().jobs.set('job-2', aJob({ id: 'job-2', state: 'RUNNING', spec: { ...aJob().spec!, name: 'other', nodes: 2 } }));
  });

  it('lists jobs with filters', async () => {
    const r = await cli('jobs', '--state', 'pending,RUNNING', '--team', 'vision');
    expect(r.code).toBe(0);
    expect(sent('ListJobs')).toEqual([{ states: ['PENDING', 'RUNNING'], team: 'vision', mine: false, sinceMs: 0, limit: 500, pageToken: '' }]);
    expect(r.out).toMatch(/^ID\s+NAME/);
    expect(r.out).toMatch(/job-2\s+other\s+vision\s+RUNNING\s+2×8/);
  });

  it('lists jobs as a JSON array', async () => {
    const r = await cli('jobs', '-o', 'json');
    expect((JSON.parse(r.out) as { id: string }[]).map((j) => j.id)).toEqual(['job-1', 'job-2']);
  });

  it('follows every page, the token of each into the next request', async () => {
    for (let i = 3; i <= 7; i++) fake().jobs.set(`job-${i}`, aJob({ id: `job-${i}` }));
    const r = await cli('jobs', '--page-size', '2', '-o', 'json');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect((JSON.parse(r.out) as { id: string }[]).map((j) => j.id)).toEqual(['job-1', 'job-2', 'job-3', 'job-4', 'job-5', 'job-6', 'job-7']);
    expect(sent('ListJobs').map((q) => (q as { pageToken: string }).pageToken)).toEqual(['', '2', '4', '6']);
    expect(sent('ListJobs').every((q) => (q as { limit: number }).limit === 2)).toBe(true);
  });

  it('stops at --limit, asking only for what it still needs, and says more match', async () => {
    for (let i = 3; i <= 7; i++) fake().jobs.set(`job-${i}`, aJob({ id: `job-${i}` }));
    const r = await cli('jobs', '--limit', '5', '--page-size', '3', '-o', 'json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { id: string }[]).map((j) => j.id)).toEqual(['job-1', 'job-2', 'job-3', 'job-4', 'job-5']);
    expect(sent('ListJobs').map((q) => (q as { limit: number }).limit)).toEqual([3, 2]);
    expect(r.err).toBe('(the first 5 jobs: more match; raise --limit, or narrow with --mine, --since, --state, --team)\n');
  });

  it('sends --since as unix ms, from a duration ago or an ISO time', async () => {
    const before = Date.now();
    expect((await cli('jobs', '--since', '24h')).code).toBe(0);
    expect((await cli('jobs', '--since', '2025-06-01T12:00:00Z')).code).toBe(0);
    const [ago, at] = sent('ListJobs') as { sinceMs: number }[];
    expect(ago!.sinceMs).toBeGreaterThanOrEqual(before - 86_400_000);
    expect(ago!.sinceMs).toBeLessThanOrEqual(Date.now() - 86_400_000);
    expect(at!.sinceMs).toBe(Date.parse('2025-06-01T12:00:00Z'));
  });

  it.each([
    [['--since', 'yesterday'], /--since "yesterday": use a duration ago/],
    [['--since', `2025-${'9'.repeat(1000)}`], /^error: --since "2025-9{35}…": use/],
    [['--limit', '0'], /--limit "0": use a whole number from 1/],
    [['--limit', '1'.repeat(500)], /^error: --limit "1{40}…": use a whole number/],
    [['--page-size', '5001'], /--page-size "5001": use a whole number from 1 to 5000/],
  ])('exits 2 for jobs %j without asking the scheduler, repeating little of the input', async (flags, message) => {
    const r = await cli('jobs', ...flags);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toMatch(message);
    expect(r.err.length).toBeLessThan(200);
    expect(fake().calls).toEqual([]);
  });

  it("takes a response over grpc-js's default 4 MiB (a page of large jobs)", async () => {
    fake().jobs.set('job-3', aJob({ id: 'job-3', reason: 'r'.repeat(5 * 1024 * 1024) }));
    const r = await cli('jobs', '-o', 'json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { id: string }[]).map((j) => j.id)).toEqual(['job-1', 'job-2', 'job-3']);
  });

  it('rejects an unknown state without asking the scheduler', async () => {
    const r = await cli('jobs', '--state', 'DONE');
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toMatch(/--state: unknown state DONE/);
    expect(fake().calls).toEqual([]);
  });

  it('shows a job', async () => {
    const r = await cli('job', 'job-1');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ID:\s+job-1/);
    expect(r.out).toMatch(/Reason:\s+waiting for GPUs/);
  });

  it('exits 3 for an unknown job id', async () => {
    for (const argv of [['job', 'nope'], ['cancel', 'nope'], ['logs', 'nope'], ['job', 'nope', '--watch']]) {
      const r = await cli(...argv);
      expect(r, argv.join(' ')).toMatchObject({ code: 3, out: '', err: 'error: job nope not found\n' });
    }
  });

  it('watches a job until it ends', async () => {
    fake().updates.set('job-2', [aJob({ id: 'job-2', state: 'RUNNING' }), aJob({ id: 'job-2', state: 'CANCELLED', reason: 'by alice' })]);
    const r = await cli('job', 'job-2', '--watch');
    expect(r).toMatchObject({ code: 143, out: 'job job-2: RUNNING\njob job-2: CANCELLED: by alice\n' });
  });

  it('fails when the watch ends before the job does', async () => {
    const r = await cli('job', 'job-2', '--watch');
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: the scheduler stopped streaming job job-2 before it ended\n');
  });

  it('cancels a job with a reason', async () => {
    const r = await cli('cancel', 'job-1', '--reason', 'wrong data');
    expect(r).toMatchObject({ code: 0, out: 'cancelled job job-1: CANCELLED: wrong data\n' });
    expect(sent('CancelJob')).toEqual([{ id: 'job-1', reason: 'wrong data' }]);
  });
});

describe('logs', () => {
  const line = (nodeId: string, stream: string, text: string) => ({ jobId: 'job-2', attemptId: 'a1', nodeId, stream, line: text, atMs: 0 });

  beforeEach(() => {
    fake().jobs.set('job-1', aJob());
    fake().jobs.set('job-2', aJob({ id: 'job-2', spec: { ...aJob().spec!, nodes: 2 } }));
    fake().logs.set('job-1', [line('gpu-1', 'stdout', 'step 1'), line('gpu-1', 'stderr', 'warning'), line('gpu-1', 'stdout', 'step 2')]);
    fake().logs.set('job-2', [line('gpu-1', 'stdout', 'rank 0'), line('gpu-2', 'stderr', 'rank 1 failed')]);
  });

  it('prints lines, stderr lines to stderr', async () => {
    const r = await cli('logs', 'job-1');
    expect(r).toEqual({ code: 0, out: 'step 1\nstep 2\n', err: 'warning\n' });
    expect(sent('JobLogs')).toEqual([{ id: 'job-1', follow: false }]);
  });

  it('follows with -f and prefixes node ids for a gang', async () => {
    const r = await cli('logs', '-f', 'job-2');
    expect(r).toEqual({ code: 0, out: '[gpu-1] rank 0\n', err: '[gpu-2] rank 1 failed\n' });
    expect(sent('JobLogs')).toEqual([{ id: 'job-2', follow: true }]);
  });

  it('prints JSON lines on stdout only with -o json', async () => {
    const r = await cli('logs', 'job-1', '-o', 'json');
    expect(r.err).toBe('');
    expect(r.out.trimEnd().split('\n').map((l) => (JSON.parse(l) as { line: string }).line)).toEqual(['step 1', 'warning', 'step 2']);
  });
});

describe('the command line', () => {
  it('exits 4 and says how to start a scheduler when it is unreachable', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    for (const argv of [['jobs'], ['logs', '-f', 'job-1'], ['submit', '--retry-for', '0', '--name', 'a', '--gpus', '0', '--', 'true']]) {
      const r = await cli('--scheduler', address, ...argv);
      expect(r.code, argv.join(' ')).toBe(4);
      expect(r.err).toMatch(new RegExp(`^error: cannot reach the scheduler at ${address} .*wattpack dev.*WATTPACK_SCHEDULER`));
    }
  });

  it('documents the exit codes in --help', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Exit codes:\n\s+0\s+ok\n\s+1\s+the job failed.*\n\s+2\s+bad usage.*\n\s+3\s+not found.*\n\s+4\s+the scheduler is unreachable/);
    expect(r.out).toMatch(/submit --wait and job --watch exit with the job's own exit code, like srun/);
    expect(r.out).toMatch(/submit/);
    expect(r.out).toMatch(/dev/);
  });

  it('prints the version', async () => {
    expect(await cli('--version')).toMatchObject({ code: 0, out: '0.1.0 (workspace build)\n' });
  });

  it('exits 2 for an unknown command or output format', async () => {
    expect((await cli('frobnicate')).code).toBe(2);
    const r = await cli('-o', 'xml', 'jobs');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Allowed choices are table, wide, csv, json, yaml/);
  });
});

describe('credentials', () => {
  it('connects with the context\'s certificate, which names the caller', async () => {
    expect((await cli('site')).code).toBe(0);
    expect(fake().calls.find((c) => c.method === 'GetSite')?.caller).toBe('dev');
  });

  it('refuses to connect without a context, saying how to get one (exit 5)', async () => {
    const r = await cliWith({ WATTPACK_SCHEDULER: fake().address, WATTPACK_CONFIG: join(mkdtempSync(join(tmpdir(), 'wattpack-cli-')), 'none.yaml') }, 'jobs');
    expect(r.code).toBe(5);
    expect(r.err).toMatch(/no credentials: .* names no current context\. Start a local site with "wattpack dev".*wattpack login <file>/);
    expect(fake().calls).toEqual([]);
  });

  it('imports a credential file with login, then uses it; whoami reads the certificate', async () => {
    const env = { WATTPACK_CONFIG: join(mkdtempSync(join(tmpdir(), 'wattpack-cli-')), 'config.yaml') };
    const login = await cliWith(env, '--scheduler', fake().address, 'login', fake().adminCredentialFile, '--name', 'prod');
    expect(login).toMatchObject({ code: 0, out: expect.stringContaining('logged in as dev (admin, teams *): context "prod"') });
    expect(await cliWith(env, 'whoami')).toMatchObject({ code: 0, out: `dev (admin, teams *), context "prod", scheduler ${fake().address}\n` });
    expect((await cliWith(env, 'site')).code).toBe(0);
    expect((await cliWith(env, 'config', 'get-contexts')).out).toMatch(/^\s*\*\s+prod\s+127\.0\.0\.1:\d+\s+dev\s+admin\s+\*$/m);
    expect(await cliWith(env, 'config', 'use-context', 'nosuch')).toMatchObject({ code: 3, err: expect.stringContaining('no context "nosuch"') });
  });
  it('says when the scheduler and the context do not trust each other (another site\'s CA): exit 5, not "unreachable"', async () => {
    const other = await localSiteTrust(mkdtempSync(join(tmpdir(), 'wattpack-other-')), []);
    const config = join(mkdtempSync(join(tmpdir(), 'wattpack-cli-')), 'config.yaml');
    writeFileSync(config, readFileSync(other.adminContext, 'utf8').replace('contexts:', 'current-context: local-dev\ncontexts:'));
    const r = await cliWith({ WATTPACK_SCHEDULER: fake().address, WATTPACK_CONFIG: config }, 'site');
    expect(r.code).toBe(5);
    expect(r.err).toMatch(/the scheduler at 127\.0\.0\.1:\d+ and your context do not trust each other \(self-signed certificate in certificate chain\)/);
  });
});
