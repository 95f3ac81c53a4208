import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, defaultSiteConfig, openadrSchema } from '@wattpack/common';
import type { Scheduler } from '../loop/scheduler.js';
import { pollMeter } from '../meter/poll.js';
import { startVtnSimulator, type VtnSimulator } from './simulator.js';
import { Ven } from './ven.js';
import { meteredScheduler, until } from '../testing/live.js';

/**
 * The VEN against a VTN on loopback (real HTTP, the spec's JSON), the live scheduler, and a
 * real Modbus meter whose readings fill the compliance record the reports are made of.
 */
const log = createLogger('test', 'silent');
const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const limitEvent = (id: string, startMs: number, kw: unknown) => ({
  id,
  objectType: 'EVENT',
  programID: 'p-1',
  eventName: 'peak',
  payloadDescriptors: [{ objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'IMPORT_CAPACITY_LIMIT', units: 'KW' }],
  intervalPeriod: { start: new Date(startMs).toISOString(), duration: 'PT1H' },
  intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [kw] }] }],
});

async function site(): Promise<{ scheduler: Scheduler; vtn: VtnSimulator; ven: Ven }> {
  const token = 'vtn-token-1';
  const dir = mkdtempSync(join(tmpdir(), 'wp-ven-'));
  writeFileSync(join(dir, 'token'), `${token}\n`);
  const vtn = await startVtnSimulator({ token });
  stops.push(() => vtn.close());
  const openadr = openadrSchema.parse({ vtnUrl: vtn.url, tokenFile: join(dir, 'token'), programs: ['capacity'], pollS: 1 });
  const { scheduler, meter, close } = await meteredScheduler(log, 0, { openadr });
  stops.push(close);
  const poller = pollMeter(meter, (s) => scheduler.meterSample(s), log);
  stops.push(() => poller.stop());
  const ven = new Ven(openadr, scheduler, log);
  return { scheduler, vtn, ven };
}

describe('the OpenADR VEN with the live scheduler', () => {
  it("makes the VTN's event the site's grid event and posts metered power back", async () => {
    const { scheduler, vtn, ven } = await site();
    await until('a trusted meter', () => scheduler.meterStatus()?.trusted);
    // Started 115 s ago: the meter's current minute of the event ends within seconds.
    const startMs = Date.now() - 115_000;
    vtn.events.push(limitEvent('evt-1', startMs, 800));
    ven.start();
    stops.push(() => ven.stop());
    const event = await until('the grid event', () => scheduler.siteConfig().gridEvents.find((e) => e.source === 'openadr:evt-1:0'));
    expect(event).toMatchObject({ startMs, durationS: 3600, capMw: 0.8 });
    expect(scheduler.effectiveCapW()).toBe(800_000);
    const report = await until('a report', () => vtn.reports[0], 60_000);
    expect(report).toMatchObject({ programID: 'p-1', eventID: 'evt-1', clientName: 'wattpack', payloadDescriptors: [{ payloadType: 'DEMAND', readingType: 'MEAN', units: 'KW' }] });
    const intervals = (report.resources as { intervals: { id: number; intervalPeriod: { start: string; duration: string }; payloads: { type: string; values: number[] }[] }[] }[])[0]!.intervals;
    expect(intervals[0]!.id).toBe(0);
    expect(intervals[0]!.intervalPeriod).toEqual({ start: new Date(startMs + 60_000).toISOString(), duration: 'PT1M' });
    // What the meter read (the idle node's facility watts), in kW.
    const metered = scheduler.eventReports()[0]!.intervals[0]!.meanW / 1e3;
    expect(intervals[0]!.payloads[0]!.values[0]).toBeCloseTo(metered, 2);
    expect(ven.status()).toMatchObject({ ok: true, reasons: [], reportsSent: 1 });

    // Withdrawn at the VTN: the VEN drops its own event, and an operator's stays.
    await scheduler.updateSite({ addGridEvents: [{ startMs: Date.now() + 3_600_000, durationS: 600, capMw: 0.5, noticeS: 0 }] });
    vtn.events.length = 0;
    await until('the event dropped', () => scheduler.siteConfig().gridEvents.length === 1);
    expect(scheduler.siteConfig().gridEvents[0]!.source).toBeUndefined();
  }, 90_000);

  it('holds the events it has when the VTN is down, answers garbage or is gone, and says why', async () => {
    const { scheduler, vtn, ven } = await site();
    vtn.events.push(limitEvent('evt-1', Date.now() + 600_000, 700));
    await ven.poll();
    expect(scheduler.siteConfig().gridEvents.map((e) => e.capMw)).toEqual([0.7]);

    vtn.mode = 'down';
    const down = await ven.poll();
    expect(down.ok).toBe(false);
    expect(down.reasons[0]).toBe(`VTN ${vtn.url}: GET /programs: HTTP 503 {"title":"Service Unavailable","status":503}; holding the events already taken`);
    expect(scheduler.siteConfig().gridEvents.map((e) => e.capMw)).toEqual([0.7]);

    vtn.mode = 'garbage';
    expect((await ven.poll()).reasons).toEqual([`VTN ${vtn.url}: GET /programs: the answer is not JSON; holding the events already taken`]);
    expect(scheduler.siteConfig().gridEvents.map((e) => e.capMw)).toEqual([0.7]);

    vtn.mode = 'huge';
    expect((await ven.poll()).reasons).toEqual([`VTN ${vtn.url}: GET /programs: the answer is over 4 MiB; holding the events already taken`]);

    await vtn.close();
    expect((await ven.poll()).reasons[0]).toMatch(/^VTN http:\/\/127\.0\.0\.1:\d+: GET \/programs: connect ECONNREFUSED .*; holding the events already taken$/);
    expect(scheduler.siteConfig().gridEvents.map((e) => e.capMw)).toEqual([0.7]);
  });

  it('refuses an event in the past and a negative target by name, keeping what it holds', async () => {
    const { scheduler, vtn, ven } = await site();
    vtn.events.push(limitEvent('evt-1', Date.now() + 600_000, 700), limitEvent('old', Date.now() - 7_200_000, 700), limitEvent('neg', Date.now() + 600_000, -5));
    const status = await ven.poll();
    expect(status.ok).toBe(true);
    expect(status.reasons).toEqual([
      expect.stringMatching(/^program capacity: event old \(peak\) interval 0: it ended at .*, before now: ignored$/),
      'program capacity: event neg (peak) interval 0: IMPORT_CAPACITY_LIMIT -5: a limit must be a number of KW above 0',
    ]);
    expect(scheduler.siteConfig().gridEvents.map((e) => e.source)).toEqual(['openadr:evt-1:0']);
  });

  it('names a missing token file instead of crashing', async () => {
    const bad = new Ven(openadrSchema.parse({ vtnUrl: 'http://127.0.0.1:9', tokenFile: '/nonexistent/token' }), { siteConfig: defaultSiteConfig, updateSite: async () => defaultSiteConfig(), eventReports: () => [] }, log);
    expect((await bad.poll()).reasons[0]).toMatch(/^VTN http:\/\/127\.0\.0\.1:9: ENOENT: no such file or directory, open '\/nonexistent\/token'/);
  });
});
