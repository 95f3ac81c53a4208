import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@wattpack/common';
import type { VtnSimulator } from '@wattpack/scheduler';
import { startDevVtn } from './vtn.js';

const dir = mkdtempSync(join(tmpdir(), 'wp-dev-vtn-'));
let vtn: VtnSimulator | undefined;
afterEach(() => vtn?.close());

describe('wattpack dev vtn', () => {
  it('serves one IMPORT_CAPACITY_LIMIT event to a VEN with the token, and prints the reports it gets', async () => {
    writeFileSync(join(dir, 'token'), 'dev-token\n');
    const lines: string[] = [];
    const listen = `127.0.0.1:${await freePort()}`;
    const before = Date.now();
    vtn = await startDevVtn({ listen, tokenFile: join(dir, 'token'), limitMw: 0.5, inS: 600, forS: 5400 }, (l) => lines.push(l));
    expect(vtn.url).toBe(`http://${listen}`);
    expect((await fetch(`${vtn.url}/programs`)).status).toBe(403);
    const auth = { authorization: 'Bearer dev-token' };
    const events = (await (await fetch(`${vtn.url}/events?programID=p-1`, { headers: auth })).json()) as { intervalPeriod: { start: string; duration: string }; intervals: { payloads: unknown[] }[] }[];
    expect(events).toHaveLength(1);
    expect(events[0]!.intervals[0]!.payloads).toEqual([{ type: 'IMPORT_CAPACITY_LIMIT', values: [500] }]);
    expect(events[0]!.intervalPeriod.duration).toBe('PT5400S');
    expect(Date.parse(events[0]!.intervalPeriod.start) - before).toBeGreaterThanOrEqual(600_000);
    const posted = await fetch(`${vtn.url}/reports`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ eventID: 'dev-1', clientName: 'site-a', resources: [] }) });
    expect(posted.status).toBe(201);
    expect(lines).toEqual([`VTN at http://${listen}: program capacity, event dev-1: 0.5 MW in 600s for 5400s`, 'report from site-a for dev-1: []']);
  });

  it('names an empty or missing token file', async () => {
    writeFileSync(join(dir, 'empty'), '\n');
    const listen = `127.0.0.1:${await freePort()}`;
    await expect(startDevVtn({ listen, tokenFile: join(dir, 'empty'), limitMw: 1, inS: 0, forS: 60 }, () => {})).rejects.toThrow(`--token-file: ${join(dir, 'empty')} is empty`);
    await expect(startDevVtn({ listen, tokenFile: join(dir, 'nope'), limitMw: 1, inS: 0, forS: 60 }, () => {})).rejects.toThrow(/^--token-file: cannot read .*nope: ENOENT/);
  });
});
