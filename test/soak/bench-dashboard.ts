/**
 * `pnpm bench:dashboard` (a benchmark, not a CI test): how fast the dashboard's pages load
 * from the scheduler on this machine, in Debian's headless chromium against a secure local
 * site with a running job, a pending one and miners: each page opened BENCH_LOADS times
 * (default 20), from navigation until its data is drawn. Also the bytes the page needs.
 * Prints one JSON document.
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dashboardBrowser } from '../e2e/browser.js';
import { LocalSite, TWO_H100_NODES } from '../e2e/harness.js';

const LOADS = Number(process.env.BENCH_LOADS ?? 20);
const web = (f: string) => statSync(fileURLToPath(new URL(`../../packages/scheduler/dist/dashboard/web/${f}`, import.meta.url))).size;

const site = await LocalSite.start({ agents: [...TWO_H100_NODES, { id: 'miners-1', profile: 's19xp:4', labels: 'rack=m1' }] });
const chromium = await dashboardBrowser(site);
try {
  const running = JSON.parse((await site.cli(['submit', '--name', 'train', '--gpus', '8', '-o', 'json', '--', 'sleep', '600'])).stdout).id as string;
  await site.waitForState(running, ['RUNNING']);
  await site.cli(['submit', '--name', 'gang', '--gpus', '8', '--nodes', '2', '--', 'true']);
  await chromium.login();
  const result: Record<string, unknown> = { loads: LOADS, bytes: { html: web('index.html'), js: web('app.js'), css: web('app.css') } };
  for (const path of ['/', '/queue', '/nodes', '/drains', `/jobs/${running}`]) {
    const times: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const started = performance.now();
      await chromium.open(path);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const at = (p: number) => Math.round(times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!);
    result[path.startsWith('/jobs/') ? '/jobs/<id>' : path] = { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: Math.round(times[times.length - 1]!) };
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await chromium.close();
  await site.stop();
}
