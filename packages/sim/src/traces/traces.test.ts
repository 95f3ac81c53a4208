import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrace, mapModels, parseGenericCsv, parseOpenb, parsePhilly, tracesDir } from './index.js';

const traces = tracesDir();
const read = (file: string) => readFileSync(join(traces, file), 'utf8');

describe('philly trace', () => {
  const trace = parsePhilly(read('philly-2017.csv'));
  const count = (f: (g: number) => boolean) => trace.jobs.filter((j) => f(j.gpus)).length;

  it('has the shape traces/README.md states', () => {
    expect(trace.jobs).toHaveLength(82_247);
    expect(trace.dropped).toEqual({});
    expect(count((g) => g === 1)).toBe(76_627);
    expect(count((g) => g === 2)).toBe(1_818);
    expect(count((g) => g === 4)).toBe(1_870);
    expect(count((g) => g === 8)).toBe(1_643);
    expect(count((g) => g === 16)).toBe(199);
    expect(count((g) => g > 16)).toBe(83);
    expect(Math.max(...trace.jobs.map((j) => j.gpus))).toBe(128);
    const gpuHours = trace.jobs.reduce((s, j) => s + j.gpus * j.durationS, 0) / 3600;
    expect(Math.round(gpuHours)).toBe(978_078);
  });

  it('maps the virtual cluster to the team and reads the timestamp as UTC', () => {
    expect(new Set(trace.jobs.map((j) => j.team)).size).toBe(15);
    // First data row: 2017-10-09 07:01:55, 66 s, 1 GPU, cluster 11cb48.
    expect(trace.jobs[0]).toEqual({ submitS: Date.UTC(2017, 9, 9, 7, 1, 55) / 1000, durationS: 66, gpus: 1, team: '11cb48', gpuModels: [] });
  });

  it('is found by name', () => {
    expect(loadTrace('philly').jobs).toHaveLength(82_247);
  });
});

describe('openb trace', () => {
  const trace = parseOpenb(read('alibaba-openb-2023/openb_pod_list_default.csv'));

  it('keeps the GPU tasks, whole GPUs for shared ones, and drops CPU-only tasks', () => {
    expect(trace.jobs.length + trace.dropped['CPU-only task']!).toBe(8_152);
    expect(trace.jobs).toHaveLength(7_064);
    expect(trace.dropped).toEqual({ 'CPU-only task': 1_088 });
    expect(trace.jobs.filter((j) => j.gpus === 1)).toHaveLength(6_989);
    expect(trace.jobs.filter((j) => j.gpus === 8)).toHaveLength(44);
    expect(new Set(trace.jobs.map((j) => j.team))).toEqual(new Set(['LS', 'BE', 'Burstable', 'Guaranteed']));
  });

  it('times a task from scheduling to deletion, or from creation when never scheduled', () => {
    // openb-pod-0001: created and scheduled 427061, deleted 12902960.
    expect(trace.jobs.find((j) => j.submitS === 427_061)).toMatchObject({ durationS: 12_902_960 - 427_061, gpus: 1, team: 'LS' });
    // openb-pod-0061: Pending, created 10001278, deleted 10001403, no scheduled_time.
    expect(trace.jobs.find((j) => j.submitS === 10_001_278)).toMatchObject({ durationS: 125, team: 'BE' });
  });

  it('keeps only the accepted models our catalog knows (none of openb fleet)', () => {
    const spec = parseOpenb(read('alibaba-openb-2023/openb_pod_list_gpuspec33.csv'));
    expect(spec.jobs).toHaveLength(7_064);
    expect(spec.jobs.every((j) => j.gpuModels.length === 0)).toBe(true);
    expect(mapModels('V100M16|V100M32')).toEqual([]);
    expect(mapModels('T4|H100|h200')).toEqual(['H100', 'H200']);
  });
});

describe('generic CSV trace', () => {
  const csv = ['id,when,secs,n,group', 'a,2024-01-01 00:00:00,60,2,x', 'b,2024-01-01 00:01:40,1h30m,1,y', 'c,2024-01-01 00:02:00,10,0,y', 'd,garbage,10,1,y', ''].join('\n');

  it('reads the mapped columns', () => {
    const t = parseGenericCsv(csv, { submitCol: 'when', durationCol: 'secs', gpusCol: 'n', teamCol: 'group', timeFormat: 'iso' }, 'x.csv');
    expect(t.name).toBe('x');
    const t0 = Date.UTC(2024, 0, 1) / 1000;
    expect(t.jobs).toEqual([
      { submitS: t0, durationS: 60, gpus: 2, team: 'x', gpuModels: [] },
      { submitS: t0 + 100, durationS: 5400, gpus: 1, team: 'y', gpuModels: [] },
    ]);
    expect(t.dropped).toEqual({ 'no GPUs': 1, 'malformed row': 1 });
  });

  it('reads seconds and milliseconds, with team "default" when unmapped', () => {
    const t = parseGenericCsv('submit,duration,gpus\n1500,10,1\n', { timeFormat: 'ms' });
    expect(t.jobs).toEqual([{ submitS: 1.5, durationS: 10, gpus: 1, team: 'default', gpuModels: [] }]);
  });

  it('names the flag of a missing column, and a bad time format', () => {
    expect(() => parseGenericCsv(csv, { submitCol: 'submitted' }, 'x.csv')).toThrow(/no column "submitted" \(set it with --submit-col\); columns: id, when, secs, n, group/);
    expect(() => parseGenericCsv(csv, { timeFormat: 'epoch' as 's' })).toThrow(/--time-format: "epoch"/);
  });

  it('says what was expected when a named trace is missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'wp-traces-'));
    expect(() => loadTrace('philly', {}, { WATTPACK_TRACES: empty })).toThrow(/trace "philly" not found: expected .*philly-2017\.csv/);
    expect(() => loadTrace('nosuch')).toThrow(/neither philly, openb, openb-gpuspec33 nor a CSV file/);
    expect(() => loadTrace(join(empty, 'missing.csv'))).toThrow(/cannot read trace .*missing\.csv: ENOENT/);
  });
});
