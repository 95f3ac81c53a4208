import { beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { useFakeScheduler } from './testing/cli-session.js';
import { aJob } from './testing/fake-scheduler.js';

/** The habits of docs/cli.md that the CLI owns; test/e2e/cli-habits.test.ts shows them with a real scheduler. */
const { fake, cli, sent } = useFakeScheduler();

describe('submit --wait', () => {
  it("--wait ends a failed job with its last stderr lines and exits with its exit code; JSON lines with -o json", async () => {
    fake().updates.set('job-1', [aJob({ id: 'job-1', state: 'FAILED', reason: 'exited with code 3', exitCode: 3 })]);
    const logLine = (stream: string, line: string) => ({ jobId: 'job-1', attemptId: 'a1', nodeId: 'gpu-1', stream, line, atMs: 0 });
    fake().logs.set('job-1', [logLine('stderr', 'old warning'), ...Array.from({ length: 25 }, (_, i) => logLine(i % 2 ? 'stdout' : 'stderr', `line ${i}`))]);
    const r = await cli('submit', '-o', 'json', '--wait', '--name', 'x', '--gpus', '1', '--', 'false');
    expect(r.code).toBe(3);
    const lines = r.out.trimEnd().split('\n').map((l) => JSON.parse(l) as { state: string });
    expect(lines.map((l) => l.state)).toEqual(['PENDING', 'FAILED']);
    // The last 20 stderr lines, oldest first; stdout lines are not among them.
    const tail = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24].map((i) => `  line ${i}\n`).join('');
    expect(r.err).toBe(`last 14 stderr line(s) of job job-1 (all of it: wattpack logs job-1):\n  old warning\n${tail}`);
  });

  it('--wait shows RUNNING for a job that started and ended between two updates, and only in text', async () => {
    const ended = aJob({ id: 'job-1', state: 'SUCCEEDED', exitCode: 0, startedAtMs: 1_700_000_000_000, assignments: [{ nodeId: 'gpu-1', gpuIndices: [0], gpuModel: 'H100', started: true }] });
    fake().updates.set('job-1', [ended]);
    const r = await cli('submit', '--wait', '--name', 'x', '--gpus', '1', '--', 'true');
    expect(r.code).toBe(0);
    expect(r.out).toBe('submitted job job-1: PENDING: waiting for GPUs\njob job-1: RUNNING on gpu-1\njob job-1: SUCCEEDED on gpu-1 (exit code 0)\n');
    fake().jobs.clear();
    fake().updates.set('job-1', [ended]);
    const json = await cli('submit', '-o', 'json', '--wait', '--name', 'x', '--gpus', '1', '--', 'true');
    expect(json.out.trimEnd().split('\n').map((l) => (JSON.parse(l) as { state: string }).state)).toEqual(['PENDING', 'SUCCEEDED']);
    // A job that never started: no RUNNING line.
    fake().jobs.clear();
    fake().updates.set('job-1', [aJob({ id: 'job-1', state: 'CANCELLED', reason: 'by olga' })]);
    expect((await cli('submit', '--wait', '--name', 'x', '--gpus', '1', '--', 'true')).out).not.toContain('RUNNING');
  });

  it('--wait maps ends without an exit code as documented: 1 for a failure, 143 for a cancel', async () => {
    fake().updates.set('job-1', [aJob({ id: 'job-1', state: 'FAILED', reason: 'command not found: pyhton' })]);
    expect((await cli('submit', '--wait', '--name', 'x', '--gpus', '1', '--', 'pyhton')).code).toBe(1);
    fake().jobs.clear();
    fake().updates.set('job-1', [aJob({ id: 'job-1', state: 'CANCELLED', reason: 'by olga' })]);
    const r = await cli('submit', '--wait', '--name', 'x', '--gpus', '1', '--', 'sleep', '1d');
    expect(r).toMatchObject({ code: 143, err: '' });
  });
});

describe('jobs, job, cancel', () => {
  beforeEach(() => {
    fake().jobs.set('job-1', aJob({ reason: 'waiting for GPUs' }));
    fake().jobs.set('job-2', aJob({ id: 'job-2', state: 'RUNNING', spec: { ...aJob().spec!, name: 'other', nodes: 2 } }));
  });

  it('asks the scheduler for my jobs with --mine (it knows me by my certificate)', async () => {
    expect((await cli('jobs', '--mine')).code).toBe(0);
    expect(sent('ListJobs')).toMatchObject([{ mine: true }]);
  });

  it('lists jobs as YAML, and wide with owner, priority, submit time and image', async () => {
    // The same documents as -o json, as YAML.
    const yaml = await cli('jobs', '-o', 'yaml');
    expect(yaml.out).toMatch(/^- assignments: \[\]\n/);
    expect(parseYaml(yaml.out)).toEqual(JSON.parse((await cli('jobs', '-o', 'json')).out));
    const wide = await cli('jobs', '-o', 'wide');
    const lines = wide.out.split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+TEAM\s+OWNER\s+STATE\s+GPUS\s+NODES\s+POWER\s+PRIORITY\s+SUBMITTED\s+AGE\/RUNTIME\s+IMAGE\s+REASON$/);
    expect(lines[1]).toMatch(/^job-1\s+train\s+vision\s+alice\s+PENDING\s+1×8\s+-\s+-\s+100\s+2023-11-14T22:13:20Z\s+\S+\s+-\s+waiting for GPUs$/);
  });

  it('shows one job as YAML', async () => {
    const r = await cli('job', 'job-2', '-o', 'yaml');
    expect(r.out).toMatch(/\nid: job-2\n/);
    expect(parseYaml(r.out)).toMatchObject({ id: 'job-2', state: 'RUNNING', spec: { name: 'other', nodes: 2 } });
  });

  it('cancels several jobs, each on its own: one unknown is an error and the rest are cancelled', async () => {
    const r = await cli('cancel', 'job-1', 'nope', 'job-2', 'job-1');
    expect(r).toMatchObject({ code: 3, out: 'cancelled job job-1: CANCELLED\ncancelled job job-2: CANCELLED\n', err: 'error: nope: job nope not found\n' });
    // Each reference is first tried as an id (an array's id cancels its tasks); an unknown one is then looked up.
    expect(sent('CancelJob').map((c) => (c as { id: string }).id)).toEqual(['job-1', 'nope', 'job-2']);
    expect(sent('GetJob').map((c) => (c as { id: string }).id)).toEqual(['nope']);
    const json = await cli('cancel', 'job-1', 'job-2', '-o', 'json');
    expect((JSON.parse(json.out) as { id: string }[]).map((j) => j.id)).toEqual(['job-1', 'job-2']);
  });
});

describe('-o wide and -o yaml elsewhere', () => {
  it('cuts nothing in the audit with -o wide', async () => {
    const change = `teams ${'vision: 8 GPUs, 1 MW; '.repeat(6)}`;
    fake().audit = [{ atMs: 1_700_000_000_000, name: 'ada', role: 'admin', serial: 'ab', action: 'UpdateSite', target: 'teams', result: 'OK', message: '', before: {}, after: { teams: change } }];
    expect((await cli('audit')).out).toContain('…');
    const wide = await cli('audit', '-o', 'wide');
    expect(wide.out).not.toContain('…');
    expect(wide.out).toContain(change.trimEnd());
  });

  it('streams one YAML document per item (logs -o yaml)', async () => {
    fake().jobs.set('job-1', aJob());
    fake().logs.set('job-1', ['step 1', 'loss: nan'].map((line, i) => ({ jobId: 'job-1', attemptId: 'a1', nodeId: 'gpu-1', stream: i ? 'stderr' : 'stdout', line, atMs: 0 })));
    const r = await cli('logs', 'job-1', '-o', 'yaml');
    expect(r.err).toBe('');
    expect(r.out.startsWith('---\n')).toBe(true);
    expect(parseAllDocuments(r.out).map((d) => (d.toJS() as { line: string }).line)).toEqual(['step 1', 'loss: nan']);
  });
});
