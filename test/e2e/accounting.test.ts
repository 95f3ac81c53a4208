import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Socket } from 'node:net';
import type { ServiceError } from '@grpc/grpc-js';
import { execa } from 'execa';
import { freePort } from '@wattpack/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type LocalPostgres } from '@wattpack/scheduler/testing';
import type { GetUsageResponse__Output } from '@wattpack/common/proto/GetUsageResponse';
import type { ListHistoryResponse__Output } from '@wattpack/common/proto/ListHistoryResponse';
import type { UsageRecord__Output } from '@wattpack/common/proto/UsageRecord';
import { BIN, LocalSite, waitFor } from './harness.js';

/** What each GPU of the job draws (the simulated GPUs draw what the job declares, within ±2 W). */
const DRAW_W = 470;
const GPUS = 4;
const PRICES = { energyPerMwh: 90, gpuHour: 2.5, currency: 'EUR' };

async function runMetered(site: LocalSite, name: string, seconds = 8): Promise<string> {
  const spec = { name, gpus: GPUS, env: { WATTPACK_SIM_DRAW_W: String(DRAW_W) }, command: ['sleep', String(seconds)] };
  const { id } = await site.rpc<{ id: string }>('SubmitJob', { specJson: JSON.stringify(spec) });
  const done = await site.waitForState(id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 90_000);
  expect(done.state, done.reason).toBe('SUCCEEDED');
  return id;
}

async function historyOf(site: LocalSite, id: string, count = 1): Promise<UsageRecord__Output[]> {
  return waitFor(`${count} record(s) of ${id} in history`, async () => {
    const { records } = await site.rpc<ListHistoryResponse__Output>('ListHistory', { jobId: id });
    return records.length >= count ? records : undefined;
  }, 120_000); // an embedded store opening on a loaded machine answers UNAVAILABLE for a while
}

/** The stream is read in order: once a later job's record is stored, a copy of an earlier one would be too. */
async function laterRecordStored(site: LocalSite): Promise<void> {
  const { id } = await site.rpc<{ id: string }>('SubmitJob', { specJson: JSON.stringify({ name: 'later', gpus: 1, command: ['true'] }) });
  await historyOf(site, id);
}

/** GPU energy measured from draw, within 2 % of draw × time, in history (RPC and CLI) and usage (CLI). */
async function checkEnergy(site: LocalSite, id: string): Promise<void> {
  const [r] = await historyOf(site, id);
  const hours = (Number(r!.endedAtMs) - Number(r!.startedAtMs)) / 3_600_000;
  const expectedKwh = (DRAW_W * GPUS * hours) / 1000;
  expect(hours * 3600).toBeGreaterThan(7);
  const error = (r!.gpuKwh - expectedKwh) / expectedKwh;
  console.info(`GPU energy ${(r!.gpuKwh * 1000).toFixed(3)} Wh measured, ${(expectedKwh * 1000).toFixed(3)} Wh draw × time: ${(100 * error).toFixed(2)} %`);
  expect(Math.abs(error)).toBeLessThan(0.02);
  expect(r!.gpuHours).toBeCloseTo(GPUS * hours, 9);
  expect(r!.facilityKwh).toBeCloseTo(1.2 * (r!.gpuKwh + r!.hostKwh), 9); // the site's default PUE
  expect(r!.hostKwh).toBeGreaterThan(0);
  expect(r!.costTotal).toBeCloseTo((r!.facilityKwh / 1000) * PRICES.energyPerMwh + r!.gpuHours * PRICES.gpuHour, 9);
  expect(r!.peakW).toBeGreaterThanOrEqual(GPUS * (DRAW_W - 2));
  expect(r!.peakW).toBeLessThanOrEqual(GPUS * (DRAW_W + 2));

  const cliHistory = await site.cli(['history', '--job', id, '-o', 'csv']);
  expect(cliHistory.exitCode, cliHistory.stderr).toBe(0);
  expect(cliHistory.stdout).toContain(`${id},1,${r!.attemptId}`);

  const usage = await site.cli(['usage', '--since', '1h', '--by', 'user', '-o', 'json']);
  expect(usage.exitCode, usage.stderr).toBe(0);
  const rows = (JSON.parse(usage.stdout) as GetUsageResponse__Output).rows;
  expect(rows).toHaveLength(1);
  expect(Math.abs(rows[0]!.gpuKwh - expectedKwh) / expectedKwh).toBeLessThan(0.02);
  expect(rows[0]!.facilityKwh).toBeCloseTo(r!.facilityKwh, 9);
}

describe('accounting on the embedded store (PGlite)', () => {
  let site: LocalSite;
  beforeAll(async () => {
    site = await LocalSite.start({ site: { prices: PRICES } });
  }, 120_000);
  afterAll(() => site?.stop());

  it('records a job with a known draw: energy within 2 % of draw × time in history and usage', async () => {
    await checkEnergy(site, await runMetered(site, 'metered'));
  }, 180_000);

  it('kill -9 after a job ended but before its record reached the stream: the record appears once', async () => {
    const { id } = await site.rpc<{ id: string }>('SubmitJob', { specJson: JSON.stringify({ name: 'crash-1', gpus: GPUS, env: { WATTPACK_SIM_DRAW_W: String(DRAW_W) }, command: ['sleep', '6'] }) });
    await site.waitForState(id, ['RUNNING'], 60_000);
    // The next scheduler dies (SIGKILL, by itself) as it is about to publish the record, which goes before the
    // job's end is stored (one write): the exit event, not yet acknowledged, is applied again by the next one.
    await site.killScheduler();
    site.spawnScheduler('s1', { WATTPACK_CRASH_AT: 'before-usage-publish' });
    expect(await site.schedulerExited()).toMatchObject({ signal: 'SIGKILL' });
    await site.startScheduler();
    // The end is stored by the next scheduler: from the redelivered exit event, or the agent's report of it.
    await site.waitForState(id, ['SUCCEEDED'], 60_000);
    const records = await historyOf(site, id);
    await laterRecordStored(site);
    expect((await historyOf(site, id)).map((r) => r.attemptId)).toEqual([records[0]!.attemptId]);
  }, 180_000);

  it('kill -9 after the record reached the stream but before the store took it: the record appears once', async () => {
    await site.killScheduler();
    await site.startScheduler({ WATTPACK_CRASH_AT: 'before-usage-insert' });
    const { id } = await site.rpc<{ id: string }>('SubmitJob', { specJson: JSON.stringify({ name: 'crash-2', gpus: GPUS, command: ['sleep', '2'] }) });
    expect(await site.schedulerExited()).toMatchObject({ signal: 'SIGKILL' });
    await site.startScheduler();
    await historyOf(site, id);
    await laterRecordStored(site);
    expect(await historyOf(site, id)).toHaveLength(1);
  }, 180_000);

  it('a user reads their own history and usage; operators read everyone\'s', async () => {
    const alice = await site.clientAs('alice', 'user', ['vision']);
    const olga = await site.clientAs('olga', 'operator', ['ops']);
    const { id } = await alice.rpc<{ id: string }>('SubmitJob', { specJson: JSON.stringify({ name: 'mine', gpus: 1, command: ['true'] }) });
    await historyOf(site, id);
    await laterRecordStored(site); // the admin's
    const own = (await alice.rpc<ListHistoryResponse__Output>('ListHistory', {})).records;
    expect(own.map((r) => [r.jobId, r.user])).toEqual([[id, 'alice']]);
    const all = (await olga.rpc<ListHistoryResponse__Output>('ListHistory', {})).records;
    expect(new Set(all.map((r) => r.user)).size).toBeGreaterThan(1);
    const other = all.find((r) => r.user !== 'alice')!;
    await expect(alice.rpc('ListHistory', { user: other.user })).rejects.toThrow(/alice is a user: reading other people's usage and history needs the operator role/);
    await expect(alice.rpc('GetJobUsage', { id: other.jobId })).rejects.toThrow(/PERMISSION_DENIED|needs the operator role/);
    const usage = await alice.rpc<GetUsageResponse__Output>('GetUsage', { groupBy: ['user'] });
    expect(usage.rows.map((r) => r.user)).toEqual(['alice']);
    await expect(alice.rpc('ListHistory', { states: ['DONE'] })).rejects.toThrow(/states: "DONE" is not one; use SUCCEEDED, FAILED, CANCELLED, REQUEUED/);
    await expect(olga.rpc('ListHistory', { limit: 5000 })).rejects.toThrow(/limit: at most 1000 per page/);
  }, 120_000);

  it('a lost embedded store rebuilds from the accounting stream', async () => {
    const before = (await site.rpc<ListHistoryResponse__Output>('ListHistory', { sinceMs: Date.now() - 3_600_000 })).records.map((r) => r.attemptId);
    expect(before.length).toBeGreaterThanOrEqual(2);
    await site.killScheduler();
    rmSync(site.stateDir('s1'), { recursive: true, force: true });
    await site.startScheduler();
    const after = await waitFor('history rebuilt', async () => {
      const { records } = await site.rpc<ListHistoryResponse__Output>('ListHistory', { sinceMs: Date.now() - 3_600_000 });
      return records.length >= before.length ? records.map((r) => r.attemptId) : undefined;
    }, 60_000);
    expect(after).toEqual(before);
  }, 180_000);
});

describe('accounting on PostgreSQL', () => {
  let pg: LocalPostgres;
  let site: LocalSite;
  beforeAll(async () => {
    pg = await startPostgres();
    // Finished jobs leave the job store at the first sweep after they end: history still finds them.
    site = await LocalSite.start({ site: { prices: PRICES, finishedJobRetention: 1 }, accountingDb: pg.url });
  }, 180_000);
  afterAll(async () => {
    await site?.stop();
    await pg?.stop();
  });

  let metered = '';
  it('records a job with a known draw: energy within 2 % of draw × time in history and usage', async () => {
    metered = await runMetered(site, 'metered-pg');
    await checkEnergy(site, metered);
  }, 180_000);

  it('wattpack job finds a job that left the job store through its history', async () => {
    await waitFor('the finished job to leave the store', () => site.job(metered).then(() => false, (err: Error) => /no job/.test(String(err))), 30_000);
    const shown = await site.cli(['job', metered]);
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`${metered}\\s+1\\s+\\S+\\s+default\\s+SUCCEEDED`));
    expect(shown.stdout).toContain(`job ${metered} has left the job store`);
  }, 60_000);
});

/**
 * The scheduler leads and serves without waiting for its accounting store (a CI run once
 * timed out waiting for a scheduler whose embedded store was still opening). The store
 * here is a PostgreSQL that accepts connections and says nothing, as one still starting
 * can: history answers UNAVAILABLE, scheduling goes on, and once a real PostgreSQL takes
 * that port the records that waited on the stream arrive.
 */
describe('accounting on a store that is slow to open', () => {
  const sockets = new Set<Socket>();
  const silent = createServer((s) => sockets.add(s));
  let port = 0;
  let pg: LocalPostgres | undefined;
  let site: LocalSite;
  beforeAll(async () => {
    port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    site = await LocalSite.start({ site: { prices: PRICES }, accountingDb: `postgres://wattpack@127.0.0.1:${port}/postgres` });
  }, 180_000);
  afterAll(async () => {
    await site?.stop();
    silent.close();
    await pg?.stop();
  });

  it('schedules and answers history UNAVAILABLE until the store answers, then history has the jobs that ran meanwhile', async () => {
    const err = await site.rpc('ListHistory', {}).then(() => undefined, (e: ServiceError) => e);
    expect(err?.details).toMatch(/accounting store is not open yet/);
    expect(err?.code).toBe(14); // UNAVAILABLE
    const ran = await runMetered(site, 'while-opening', 2);
    expect(sockets.size).toBeGreaterThan(0); // the scheduler is still waiting on the silent server
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    pg = await startPostgres(port);
    expect((await historyOf(site, ran))[0]!.state).toBe('SUCCEEDED');
  }, 240_000);
});

describe('a state folder that cannot hold the embedded store', () => {
  it('stops the scheduler at once, naming --state-dir (exit 2), before it tries NATS', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'wattpack-state-')), 'a-file');
    writeFileSync(file, '');
    const r = await execa(process.execPath, [BIN.scheduler, '--insecure', '--nats', 'nats://127.0.0.1:1', '--listen', '127.0.0.1:0', '--state-dir', join(file, 'state')], { reject: false, timeout: 60_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--state-dir .*a-file\/state: cannot keep the accounting store there/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 60_000);
});
