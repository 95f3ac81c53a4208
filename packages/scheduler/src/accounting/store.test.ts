import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageRecord } from '@wattpack/common';
import { startPostgres, type LocalPostgres } from './postgres-server.js';
import { UsageStore } from './store.js';
import type { SqlTarget } from './sql.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);

function rec(n: number, extra: Partial<UsageRecord> = {}): UsageRecord {
  return {
    attemptId: `j${n}-a1`,
    jobId: `j${n}`,
    attempt: 1,
    jobName: `job-${n}`,
    user: 'alice',
    team: 'research',
    nodes: ['gpu-1'],
    gpus: 8,
    gpuModel: 'H100',
    startedAt: T0 + n * DAY,
    endedAt: T0 + n * DAY + 3_600_000,
    state: 'SUCCEEDED',
    reason: 'exited with code 0',
    exitCode: 0,
    gpuHours: 8,
    gpuKwh: 4,
    hostKwh: 2.5,
    facilityKwh: 7.8,
    meanW: 4000,
    peakW: 4100,
    measuredS: 3590,
    limits: { minW: 500, maxW: 700, changes: 1 },
    preempted: false,
    workLostGpuHours: 0,
    cost: { energy: 0.78, gpu: 16, total: 16.78, currency: 'USD' },
    ...extra,
  };
}

// The same SQL and migrations on both: the embedded store and a real PostgreSQL this test starts.
const targets: { name: string; target: () => SqlTarget; setup?: () => Promise<() => Promise<void>> }[] = [];
let pgDir = '';
let server: LocalPostgres | undefined;
targets.push({ name: 'PGlite', target: () => ({ dir: pgDir }) });
targets.push({ name: 'PostgreSQL', target: () => ({ url: server!.url }) });

beforeAll(async () => {
  pgDir = mkdtempSync(join(tmpdir(), 'wattpack-pglite-'));
  server = await startPostgres();
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(pgDir, { recursive: true, force: true });
});

describe.each(targets)('the usage store on $name', ({ target }) => {
  let store: UsageStore;
  beforeAll(async () => {
    store = await UsageStore.open(target());
    await store.insert([rec(1)], 1);
    await store.insert([rec(2, { user: 'bob', team: 'vision', nodes: ['gpu-2'] })], 2);
    // What the stream delivered meanwhile, in one go: a copy inside the batch is kept once too.
    const j3a1 = rec(3, { attemptId: 'j3-a1', jobId: 'j3', state: 'REQUEUED', preempted: true, workLostGpuHours: 1 });
    await store.insert([j3a1, rec(3, { attemptId: 'j3-a2', jobId: 'j3', attempt: 2, startedAt: T0 + 3 * DAY + 4_000_000, endedAt: T0 + 3 * DAY + 7_600_000 }), j3a1], 4);
    // The same attempt delivered again (a crash between the stream and the store): stored once.
    await store.insert([rec(1)], 5);
  }, 120_000);
  afterAll(() => store.close());

  it('keeps each attempt once and remembers how far it read the stream', async () => {
    const all = await store.history({ limit: 100 });
    expect(all.rows.map((r) => r.attemptId)).toEqual(['j1-a1', 'j2-a1', 'j3-a1', 'j3-a2']);
    expect(await store.cursor()).toBe(5);
  });

  it('filters like sacct and counts a job\'s preemptions', async () => {
    expect((await store.history({ user: 'bob', limit: 10 })).rows.map((r) => r.jobId)).toEqual(['j2']);
    expect((await store.history({ node: 'gpu-2', limit: 10 })).rows.map((r) => r.jobId)).toEqual(['j2']);
    expect((await store.history({ states: ['REQUEUED'], limit: 10 })).rows.map((r) => r.attemptId)).toEqual(['j3-a1']);
    expect((await store.history({ sinceMs: T0 + 2 * DAY, untilMs: T0 + 3 * DAY, limit: 10 })).rows.map((r) => r.jobId)).toEqual(['j2']);
    const j3 = (await store.history({ jobId: 'j3', limit: 10 })).rows;
    expect(j3.map((r) => r.preemptions)).toEqual([1, 1]);
    expect(j3[0]!.limits).toEqual({ minW: 500, maxW: 700, changes: 1 });
  });

  it('pages through history without losing or repeating a record', async () => {
    const first = await store.history({ limit: 3 });
    expect(first.rows).toHaveLength(3);
    const second = await store.history({ limit: 3, pageToken: first.nextPageToken });
    expect(second.rows.map((r) => r.attemptId)).toEqual(['j3-a2']);
    expect(second.nextPageToken).toBe('');
    await expect(store.history({ limit: 3, pageToken: 'garbage' })).rejects.toThrow(/pageToken/);
  });

  it('sums usage per team, user and UTC day like sreport', async () => {
    const window = { sinceMs: T0, untilMs: T0 + 10 * DAY };
    expect(await store.usage({ ...window, groupBy: ['team'] })).toEqual([
      { team: 'research', attempts: 3, gpuHours: 24, gpuKwh: 12, facilityKwh: expect.closeTo(23.4, 6), cost: expect.closeTo(50.34, 6) },
      { team: 'vision', attempts: 1, gpuHours: 8, gpuKwh: 4, facilityKwh: expect.closeTo(7.8, 6), cost: expect.closeTo(16.78, 6) },
    ]);
    const days = await store.usage({ ...window, groupBy: ['user', 'day'] });
    expect(days.map((d) => `${d.user} ${d.day} ${d.attempts}`)).toEqual(['alice 2026-11-02 1', 'alice 2026-11-04 2', 'bob 2026-11-03 1']);
    expect(await store.usage({ sinceMs: T0 + 20 * DAY, untilMs: T0 + 30 * DAY, groupBy: ['team'] })).toEqual([]);
  });

  it('decays usage by its half-life', async () => {
    // vision's one record ended 2 days before "now": with a 1-day half-life it weighs 1/4.
    const now = T0 + 2 * DAY + 3_600_000 + 2 * DAY;
    const decayed = await store.decayedUsage(now, 86_400);
    expect(decayed.vision!.gpuHours).toBeCloseTo(8 / 4, 6);
    expect(decayed.vision!.facilityKwh).toBeCloseTo(7.8 / 4, 6);
  });

  it('replaces a lost attempt\'s REQUEUED record with its late result, never the other way', async () => {
    const lost = (n: number, extra: Partial<UsageRecord> = {}) => rec(n, { state: 'REQUEUED', reason: 'lost on gpu-1: no report for 61s; requeued to resume', preempted: true, exitCode: undefined, ...extra });
    await store.insert([lost(50)], 6);
    await store.insert([rec(50), lost(50)], 7); // the late result, and a copy of the REQUEUED one
    await store.insert([lost(50)], 8);
    await store.insert([lost(51), rec(51, { state: 'FAILED', exitCode: 3 }), lost(51)], 9); // both in one batch
    const rows = (await store.history({ sinceMs: T0 + 50 * DAY, limit: 10 })).rows;
    expect(rows.map((r) => [r.attemptId, r.state, r.exitCode, r.preempted])).toEqual([
      ['j50-a1', 'SUCCEEDED', 0, false],
      ['j51-a1', 'FAILED', 3, false],
    ]);
  });
});

describe('the embedded store', () => {
  it('keeps its records across a reopen, and starts empty where it was lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wattpack-pglite-'));
    try {
      const a = await UsageStore.open({ dir });
      await a.insert([rec(9)], 7);
      await a.close();
      const b = await UsageStore.open({ dir });
      expect((await b.history({ limit: 10 })).rows.map((r) => r.attemptId)).toEqual(['j9-a1']);
      expect(await b.cursor()).toBe(7);
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('starts a new store from the build\'s template, with Postgres buffers sized for its WASM heap', async () => {
    // The built module finds the template beside it (pnpm build makes it); from source, initdb runs.
    const built = (await import('../../dist/accounting/sql.js')) as typeof import('./sql.js');
    const template = new URL('../../dist/accounting/pgdata-template.tar.gz', import.meta.url);
    expect(existsSync(template)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'wattpack-pglite-'));
    try {
      const sql = await built.openSql({ dir });
      await built.migrate(sql);
      expect(await sql.query('SHOW shared_buffers')).toEqual([{ shared_buffers: '16MB' }]);
      expect(await sql.query('SHOW work_mem')).toEqual([{ work_mem: '2MB' }]);
      await sql.close();
      const store = await UsageStore.open({ dir });
      await store.insert([rec(4)], 3);
      expect((await store.history({ limit: 10 })).rows.map((r) => r.attemptId)).toEqual(['j4-a1']);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
