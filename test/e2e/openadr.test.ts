import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startVtnSimulator } from '@wattpack/scheduler';
import type { Site__Output } from '@wattpack/common/proto/Site';
import { useLocalSite, waitFor } from './harness.js';

// A utility's VTN on loopback (OpenADR 3 REST/JSON, bearer token) and a secure dev site whose
// scheduler is its VEN: what the VTN publishes becomes the site's grid event over the real wire.
const token = 'e2e-vtn-token';
const dir = mkdtempSync(join(tmpdir(), 'wp-openadr-'));
writeFileSync(join(dir, 'token'), token);
const vtn = await startVtnSimulator({ token });
const startMs = Date.now() + 3_600_000;
vtn.events.push({
  id: 'evt-7',
  objectType: 'EVENT',
  programID: 'p-1',
  eventName: 'evening peak',
  payloadDescriptors: [{ objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'IMPORT_CAPACITY_LIMIT', units: 'KW' }],
  intervalPeriod: { start: new Date(startMs).toISOString(), duration: 'PT3H' },
  intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [12000] }] }],
});

const site = useLocalSite({
  agents: [{ id: 'gpu-1', profile: 'h100x8', labels: 'rack=r1' }],
  site: { openadr: { vtnUrl: vtn.url, tokenFile: join(dir, 'token'), programs: ['capacity'], pollS: 1 } },
});
afterAll(() => vtn.close());

describe('grid events from the utility (OpenADR 3 VEN in the scheduler)', () => {
  it("makes the VTN's event the site's grid event, and holds it with the reason shown when the VTN goes down", async () => {
    const taken = await waitFor('the grid event in GetSite', async () => {
      const s = await site().rpc<Site__Output>('GetSite', {});
      return s.gridEvents.some((e) => e.source === 'openadr:evt-7:0') ? s : undefined;
    });
    expect(taken.gridEvents).toEqual([expect.objectContaining({ startMs, durationS: 3 * 3600, capMw: 12, source: 'openadr:evt-7:0' })]);
    expect(taken.openadr).toMatchObject({ vtnUrl: vtn.url, ok: true, reasons: [], events: 1 });

    vtn.mode = 'down';
    const down = await waitFor('the failed poll in GetSite', async () => {
      const s = await site().rpc<Site__Output>('GetSite', {});
      return s.openadr?.ok === false ? s : undefined;
    });
    expect(down.openadr!.reasons).toEqual([`VTN ${vtn.url}: GET /programs: HTTP 503 {"title":"Service Unavailable","status":503}; holding the events already taken`]);
    expect(down.gridEvents.map((e) => e.source)).toEqual(['openadr:evt-7:0']);
    const shown = await site().cli(['site']);
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/OpenADR:\s+http:\/\/127\.0\.0\.1:\d+: polled .*: FAILED, holding the events already taken\n\s+VTN http/);
    expect(shown.stdout).toMatch(/12\.000 MW from .* for 3h0m .*\[openadr:evt-7:0\]/);
  });
});
