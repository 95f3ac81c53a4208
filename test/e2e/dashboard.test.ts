/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node__Output } from '@wattpack/common/proto/Node';
import type { Site__Output } from '@wattpack/common/proto/Site';
import { dashboardBrowser, type DashboardBrowser } from './browser.js';
import { TWO_H100_NODES, useLocalSite, waitFor } from './harness.js';

/** Screenshots for people to look at (gitignored); docs/img/dashboard-*.png are copies of these. */
const SHOTS = fileURLToPath(new URL('./.screenshots/', import.meta.url));

const site = useLocalSite({ agents: [...TWO_H100_NODES, { id: 'miners-1', profile: 's19xp:2', labels: 'rack=m1' }] });
const idOf = (stdout: string): string => JSON.parse(stdout).id as string;
const MW = (w: number) => (w / 1e6).toFixed(3);

let chromium: DashboardBrowser;
let page: Page;
let base: string;
const jobs = { running: '', pending: '' };

const open = (path: string) => chromium.open(path);
const text = (selector: string) => page.$eval(selector, (e) => e.textContent ?? '');
const rows = (table: string) => page.$$eval(`#${table} tbody tr`, (trs) => trs.map((tr) => ({ id: tr.getAttribute('data-id'), cells: [...tr.children].map((td) => td.textContent ?? '') })));
const shot = (name: string) => page.screenshot({ path: join(SHOTS, `dashboard-${name}.png`), fullPage: true });

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // A job running, a gang waiting behind it for GPUs, and the running job's node draining.
  jobs.running = idOf((await site().cli(['submit', '--name', 'train', '--team', 'vision', '--gpus', '2', '-o', 'json', '--', 'sleep', '300'])).stdout);
  await site().waitForState(jobs.running, ['RUNNING']);
  jobs.pending = idOf((await site().cli(['submit', '--name', 'gang', '--team', 'nlp', '--gpus', '8', '--nodes', '2', '-o', 'json', '--', 'true'])).stdout);
  const node = (await site().job(jobs.running)).assignments[0]!.nodeId;
  const drained = await site().cli(['drain', node, '--reason', 'swap a PSU', '--deadline', '2h', '--no-migrate']);
  expect(drained.exitCode, drained.stderr).toBe(0);
  // A grid event in force (above what this small site draws: nothing is shed), to be marked on the chart.
  const event = await site().cli(['site', 'grid-event', '17', '--for', '1h']);
  expect(event.exitCode, event.stderr).toBe(0);
  chromium = await dashboardBrowser(site());
  ({ page, base } = chromium);
}, 90_000);

afterAll(async () => {
  await chromium?.close();
});

describe('the web dashboard, in a real browser against a secure site', () => {
  it('refuses data without a login, and logs in with the link `wattpack dashboard` prints', async () => {
    const anonymous = await page.goto(`${base}/api/site`);
    expect(anonymous!.status()).toBe(401);
    const tampered = await page.evaluate(async (b) => (await fetch(`${b}/api/login`, { method: 'POST', body: 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA' })).status, base);
    expect(tampered).toBe(401);
    // Refusals are audited like the API's.
    const audit = JSON.parse((await site().cli(['audit', '--since', '1h', '-o', 'json'])).stdout) as { action: string; result: string; target: string }[];
    expect(audit.find((r) => r.action === 'Dashboard')).toMatchObject({ result: 'UNAUTHENTICATED', target: expect.stringMatching(/^GET \/api\/site from /) });

    const bad = await site().cli(['dashboard', '--addr', 'https://x']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--addr "https://x": use host:port');
    const link = await site().cli(['dashboard', '--addr', site().dashboardAddr.get('s1')!, '-o', 'json']);
    expect(link.exitCode, link.stderr).toBe(0);
    const { url } = JSON.parse(link.stdout) as { url: string };
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/login#token=/);
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.loaded === '/', { timeout: 10_000 });
  }, 30_000);

  // How fast it loads is measured by test/soak/bench-dashboard.ts (pnpm bench:dashboard), not here.
  it('shows the site: the cap and the facility power of the API, with its 24 h chart and grid events', async () => {
    // A few of the scheduler's samples (one a second on this site) to draw.
    await waitFor('site samples', async () => {
      const res = (await page.evaluate(async (u) => (await fetch(u)).json(), `${base}/api/site`)) as { history: { gridEvent: number }[] };
      return res.history.filter((s) => s.gridEvent).length >= 5 ? true : undefined;
    });
    await open('/');
    const api = await site().rpc<Site__Output>('GetSite', {});
    expect(await text('#site-cap-mw')).toBe(MW(api.capW));
    expect(await text('#site-effective-cap-mw')).toBe(MW(api.effectiveCapW));
    expect(api.effectiveCapW).toBe(17e6);
    expect(await text('#site-gpus')).toBe(`${api.gpusAllocated} / ${api.gpusTotal}`);
    expect(await text('#site-pending')).toBe(String(api.jobsPending));
    // Measured facility power moves with every report: within what a second of simulated draw changes.
    expect(Math.abs(Number(await text('#site-measured-mw')) - api.measured!.facilityW / 1e6)).toBeLessThan(0.01);
    expect(await page.$('#site-chart canvas')).not.toBeNull();
    await shot('site');
  });

  it('shows the queue by team and reason', async () => {
    await open('/queue');
    const pending = await site().job(jobs.pending);
    // Grouped by the core's wait code (as wattpack_pending_jobs is): with one of the two
    // nodes draining, the site as it is cannot run the gang (never); each job with its words.
    expect(await rows('queue-summary')).toEqual([{ id: null, cells: ['nlp', 'never', '1'] }]);
    expect(pending.reason).toMatch(/^gang needs 2 nodes/);
    const listed = await rows('queue-jobs');
    expect(listed.map((r) => r.id)).toEqual([jobs.pending]);
    expect(listed[0]!.cells.slice(1, 5)).toEqual(['gang', 'nlp', pending.owner, '2 × 8']);
    expect(listed[0]!.cells[6]).toBe(pending.reason);
    await shot('queue');
  });

  it('shows nodes by rack with their state and power', async () => {
    await open('/nodes');
    const { nodes } = await site().rpc<{ nodes: Node__Output[] }>('ListNodes', {});
    for (const rack of ['r1', 'm1']) {
      const shown = await rows(`rack-${rack}`);
      const expected = nodes.filter((n) => n.labels.rack === rack);
      expect(shown.map((r) => r.id)).toEqual(expected.map((n) => n.id));
      for (const n of expected) {
        const cells = shown.find((r) => r.id === n.id)!.cells;
        expect(cells[1]).toBe(n.drain ? n.drain.state : n.status);
        expect(cells[2]).toBe(`${n.gpusAllocated} / ${n.inventory!.gpus.length}`);
        expect(cells[3]).toBe((n.allocatedW / 1e3).toFixed(1));
      }
    }
    expect((await rows('rack-m1'))[0]!.cells[5]).toBe('2');
    await shot('nodes');
  });

  it('shows drains in progress with their deadline', async () => {
    await open('/drains');
    const node = (await site().job(jobs.running)).assignments[0]!.nodeId;
    const { nodes } = await site().rpc<{ nodes: Node__Output[] }>('ListNodes', {});
    const drain = nodes.find((n) => n.id === node)!.drain!;
    const shown = await rows('drains');
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ id: node });
    expect(shown[0]!.cells.slice(1)).toEqual([drain.state, '1', new Date(Number(drain.deadlineMs)).toISOString().replace('T', ' ').slice(0, 19), drain.by, 'swap a PSU']);
    await shot('drains');
  });

  it("shows a user another team's job without its command, and ends a revoked user's session at once", async () => {
    const ivan = await site().person('ivan', 'user', ['vision']);
    const other = await dashboardBrowser(site());
    try {
      await other.login(ivan.cliConfig);
      const read = (path: string) => other.page.evaluate(async (u) => { const r = await fetch(u); return { status: r.status, body: await r.json() }; }, `${other.base}${path}`);
      const gang = await read(`/api/jobs/${jobs.pending}`);
      expect(gang.status).toBe(200);
      expect(gang.body.job.spec).toMatchObject({ team: 'nlp', command: [] });
      const own = await read(`/api/jobs/${jobs.running}`);
      expect(own.body.job.spec.command).toEqual(['sleep', '300']);
      const revoked = await site().cli(['admin', 'revoke', 'user', 'ivan', '--pki', site().trust.pki.dir]);
      expect(revoked.exitCode, revoked.stderr).toBe(0);
      const after = await read('/api/site');
      expect(after.status).toBe(401);
      expect(after.body.error).toMatch(/revoked/);
    } finally {
      await other.close();
    }
  }, 30_000);

  it("shows a job's power-limit history and draw", async () => {
    // Some draw samples first: the agents report every second.
    await waitFor('draw samples of the job', async () => {
      const res = await page.evaluate(async (u) => (await fetch(u)).json(), `${base}/api/jobs/${jobs.running}`);
      return (res as { draw: unknown[] }).draw.length >= 3 ? true : undefined;
    });
    await open(`/jobs/${jobs.running}`);
    const job = await site().job(jobs.running);
    expect(await text('#job-state')).toBe(job.state);
    expect(await text('#job-limit')).toBe(String(job.powerLimitW));
    expect(await text('#job-gpus')).toBe('2');
    const limits = await rows('job-limits');
    expect(limits.map((r) => [r.cells[1], r.cells[2]])).toEqual(job.limitHistory.map((c) => [String(c.limitW), c.why]));
    expect(await page.$('#job-chart canvas')).not.toBeNull();
    await shot('job');
  });
});
