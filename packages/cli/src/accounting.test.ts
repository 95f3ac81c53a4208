import { describe, expect, it } from 'vitest';
import { instantArg } from './commands/accounting.js';
import { aJob, aUsageRecord } from './testing/fake-scheduler.js';
import { useFakeScheduler } from './testing/cli-session.js';

const harness = useFakeScheduler();
const cli = harness.cli;
const sent = (method: string) => harness.fake().calls.filter((c) => c.method === method).map((c) => c.request as Record<string, unknown>);

describe('wattpack history', () => {
  it('sends the filters, follows pages, and prints a table like sacct', async () => {
    harness.fake().history.push(...Array.from({ length: 3 }, (_, i) => aUsageRecord({ jobId: `job-${i}`, attemptId: `job-${i}-a1` })));
    const r = await cli('history', '--user', 'alice', '--team', 'vision', '--state', 'succeeded,requeued', '--node', 'gpu-1', '--since', '2026-11-01', '--limit', '2');
    expect(r).toMatchObject({ code: 0, err: '' });
    const req = sent('ListHistory')[0]!;
    expect(req).toMatchObject({ user: 'alice', team: 'vision', states: ['SUCCEEDED', 'REQUEUED'], node: 'gpu-1', sinceMs: Date.parse('2026-11-01'), limit: 2 });
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^JOB\s+ATTEMPT\s+USER\s+TEAM\s+STATE\s+NODES\s+GPUS\s+START\s+END\s+ELAPSED\s+GPU-H\s+FACILITY KWH\s+COST$/);
    expect(lines).toHaveLength(3); // --limit 2
    expect(lines[1]).toMatch(/job-0\s+1\s+alice\s+vision\s+SUCCEEDED\s+gpu-1\s+8\s+.*1h0m\s+8\.00\s+7\.51\s+16\.60 USD/);
  });

  it('reads every page up to the limit', async () => {
    harness.fake().history.push(...Array.from({ length: 700 }, (_, i) => aUsageRecord({ jobId: `job-${i}`, attemptId: `job-${i}-a1` })));
    const r = await cli('history', '-o', 'json');
    expect(JSON.parse(r.out)).toHaveLength(700);
    expect(sent('ListHistory').map((q) => q.pageToken)).toEqual(['', '500']);
  });

  it('-o wide adds the energy split, draw, limits and work lost; -o csv has every figure at full precision', async () => {
    harness.fake().history.push(aUsageRecord({ reason: 'lost on gpu-1: no report for 20s; requeued to resume', state: 'REQUEUED', preempted: true, preemptions: 1, workLostGpuHours: 1.25 }));
    const wide = await cli('history', '-o', 'wide');
    expect(wide.out).toMatch(/GPU KWH\s+HOST KWH\s+MEAN W\s+PEAK W\s+LIMITS\s+PREEMPTIONS\s+LOST GPU-H/);
    expect(wide.out).toMatch(/3\.760\s+2\.500\s+3760\s+3800\s+500 W-700 W \(1 changes\)\s+1\s+1\.25/);
    const csv = await cli('history', '-o', 'csv');
    const [header, row] = csv.out.trim().split('\n');
    expect(header).toMatch(/^job_id,attempt,attempt_id,name,user,team,state,exit_code,reason,nodes,gpus,gpu_model,start,end,gpu_hours,gpu_kwh,host_kwh,facility_kwh/);
    // The reason holds a comma-free colon and semicolon; quoting is csv-stringify's.
    expect(row).toContain('job-1,1,job-1-a1,train,alice,vision,REQUEUED,0,lost on gpu-1: no report for 20s; requeued to resume,gpu-1,8,H100,2023-11-14T22:13:20.000Z');
    expect(row).toContain(',7.512,');
  });

  it('refuses an unknown state before asking the scheduler', async () => {
    const r = await cli('history', '--state', 'DONE');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/"DONE": use SUCCEEDED, FAILED, CANCELLED, REQUEUED/);
    expect(harness.fake().calls).toEqual([]);
  });
});

describe('wattpack job', () => {
  it('adds the usage of each attempt to a job the scheduler still has', async () => {
    harness.fake().jobs.set('job-1', aJob({ state: 'SUCCEEDED' }));
    harness.fake().history.push(aUsageRecord());
    const r = await cli('job', 'job-1');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Usage:\s+attempt 1 SUCCEEDED: 8\.00 GPU-h, 3\.760 kWh GPUs \+ 2\.500 host = 7\.512 kWh facility, mean 3760 W peak 3800 W, 16\.60 USD/);
  });

  it('finds a job that left the job store through history', async () => {
    harness.fake().history.push(aUsageRecord({ jobId: 'old', attemptId: 'old-a1' }));
    const r = await cli('job', 'old');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/old\s+1\s+alice\s+vision\s+SUCCEEDED/);
    expect(r.out).toMatch(/job old has left the job store/);
  });
});

describe('output formats', () => {
  it('-o csv is for listings that have it', async () => {
    const r = await cli('nodes', '-o', 'csv');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/-o csv: this command prints table, wide, json or yaml/);
  });

  it('takes instants as a duration ago or a date', () => {
    expect(instantArg('2h', 10_000_000)).toBe(10_000_000 - 7_200_000);
    expect(instantArg('2026-11-01T12:00Z')).toBe(Date.UTC(2026, 10, 1, 12));
    expect(() => instantArg('yesterday')).toThrow(/duration ago .* or a date/);
  });
});
