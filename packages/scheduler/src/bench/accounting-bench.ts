/**
 * `pnpm bench:accounting`: the accounting store on both back ends, the embedded PGlite
 * and a PostgreSQL this script starts (Debian's binaries). Inserts RECORDS usage records
 * one by one as ingest does (each with its cursor, in one transaction), then times the
 * queries the API runs: a history page with a user filter, usage per team and day over
 * 30 days, fair share's decayed usage. Prints JSON.
 * Usage: node dist/bench/accounting-bench.js [records]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { UsageRecord } from '@wattpack/common/daemon';
import { startPostgres } from '../accounting/postgres-server.js';
import type { SqlTarget } from '../accounting/sql.js';
import { UsageStore } from '../accounting/store.js';

const RECORDS = Number(process.argv[2] ?? 5000);
const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 30);

function record(i: number): UsageRecord {
  const endedAt = now - Math.floor((i / RECORDS) * 30 * DAY);
  return {
    attemptId: `j${i}-a1`, jobId: `j${i}`, attempt: 1, jobName: 'train', user: `user${i % 50}`, team: `team${i % 8}`,
    nodes: [`gpu-${i % 400}`], gpus: 8, gpuModel: 'H100', startedAt: endedAt - 3_600_000, endedAt, state: 'SUCCEEDED',
    reason: 'exited with code 0', exitCode: 0, gpuHours: 8, gpuKwh: 4, hostKwh: 2.5, facilityKwh: 7.8, meanW: 4000, peakW: 4200,
    measuredS: 3599, limits: { minW: 500, maxW: 700, changes: 1 }, preempted: false, workLostGpuHours: 0,
    cost: { energy: 0.7, gpu: 20, total: 20.7, currency: 'USD' },
  };
}

async function time<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return Math.round((performance.now() - t) * 10) / 10;
}

async function bench(target: SqlTarget): Promise<Record<string, number>> {
  let store!: UsageStore;
  const openMs = await time(async () => (store = await UsageStore.open(target)));
  const insertMs = await time(async () => {
    for (let i = 0; i < RECORDS; i++) await store.insert([record(i)], i + 1);
  });
  const out = {
    openMs,
    insertsPerS: Math.round((RECORDS / insertMs) * 1000),
    historyPageMs: await time(() => store.history({ user: 'user7', sinceMs: now - 30 * DAY, limit: 100 })),
    usageTeamDayMs: await time(() => store.usage({ groupBy: ['team', 'day'], sinceMs: now - 30 * DAY, untilMs: now })),
    decayedUsageMs: await time(() => store.decayedUsage(now, 7 * 86_400)),
  };
  await store.close();
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'wattpack-bench-pglite-'));
const pg = await startPostgres();
try {
  const pglite = await bench({ dir });
  const postgres = await bench({ url: pg.url });
  process.stdout.write(`${JSON.stringify({ records: RECORDS, pglite, postgres }, null, 2)}\n`);
} finally {
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
