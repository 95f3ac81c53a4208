/// <reference lib="dom" />
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { LocalSite } from './harness.js';

/** Debian's chromium (setup.sh installs it); puppeteer-core never downloads a browser. */
const CHROMIUM = process.env.WATTPACK_CHROMIUM ?? '/usr/bin/chromium';

export interface DashboardBrowser {
  browser: Browser;
  page: Page;
  /** https://host:port of the leading scheduler's dashboard. */
  base: string;
  /** Opens a page of the dashboard and waits until its data is drawn; throws with the page's error. */
  open(path: string): Promise<void>;
  /** Logs in with the link `wattpack dashboard` prints for the site's admin, or for whom a CLI config names (LocalSite.person). */
  login(cliConfig?: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Headless chromium pointed at a LocalSite's dashboard. It trusts exactly the scheduler's
 * key (--ignore-certificate-errors-spki-list), as a site's browsers trust the site CA.
 */
export async function dashboardBrowser(site: LocalSite): Promise<DashboardBrowser> {
  const base = `https://${site.dashboardAddr.get('s1')}`;
  const cert = new X509Certificate(readFileSync(join(site.trust.schedulerCredentials, 'cert.pem')));
  const spki = createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', `--ignore-certificate-errors-spki-list=${spki}`] });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const loaded = async (path: string) => {
    await page.waitForFunction((p) => document.body.dataset.loaded === p || document.body.dataset.loaded === 'error', { timeout: 10_000 }, path);
    const error = await page.$eval('body', (b) => (b.dataset.loaded === 'error' ? (document.getElementById('error')?.textContent ?? 'error') : undefined));
    if (error !== undefined) throw new Error(`dashboard ${path}: ${error}`);
  };
  return {
    browser,
    page,
    base,
    async open(path) {
      await page.goto(`${base}${path}`);
      await loaded(path);
    },
    async login(cliConfig) {
      const link = await site.cli(['dashboard', '--addr', site.dashboardAddr.get('s1')!, '-o', 'json'], undefined, cliConfig);
      if (link.exitCode !== 0) throw new Error(`wattpack dashboard: ${link.stderr}`);
      await page.goto((JSON.parse(link.stdout) as { url: string }).url);
      await loaded('/');
    },
    close: () => browser.close(),
  };
}
