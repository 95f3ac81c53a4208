import { afterEach, describe, expect, it } from 'vitest';
import { RedfishPower } from './redfish.js';
import { startRedfishSimulator, type RedfishSimulator } from './redfish-simulator.js';

/** The Redfish client against a BMC served over HTTPS on loopback in the shape of a real one's replies. */
let bmc: RedfishSimulator | undefined;
afterEach(async () => {
  await bmc?.close();
  bmc = undefined;
});

const creds = { username: 'root', password: 'calvin' };

describe('host power over Redfish', () => {
  it('reads PowerControl[0].PowerConsumedWatts of the first chassis (the Power model)', async () => {
    bmc = await startRedfishSimulator({ inputW: () => 6123.4, ...creds });
    const r = await new RedfishPower({ url: bmc.url, ca: bmc.ca, ...creds }).read();
    expect(r).toEqual({ ok: true, watts: 6123, source: 'redfish Power' });
  });

  it('looks the chassis up once, then reads with one GET over one kept connection', async () => {
    let w = 5000;
    bmc = await startRedfishSimulator({ inputW: () => w, ...creds });
    const client = new RedfishPower({ url: bmc.url, ca: bmc.ca, ...creds });
    expect(await client.read()).toMatchObject({ ok: true, watts: 5000 });
    // The chassis list, the chassis, its Power resource.
    expect(bmc.served()).toEqual({ connections: 1, requests: 3 });
    for (w of [5100, 5200, 5300]) expect(await client.read()).toMatchObject({ ok: true, watts: w });
    expect(bmc.served()).toEqual({ connections: 1, requests: 6 });
    client.close();
  });

  it('reads EnvironmentMetrics PowerWatts.Reading on a BMC with only the newer model, and a named chassis', async () => {
    bmc = await startRedfishSimulator({ inputW: () => 2750, ...creds, models: 'EnvironmentMetrics' });
    expect(await new RedfishPower({ url: bmc.url, ca: bmc.ca, ...creds, chassisId: '1U' }).read()).toEqual({ ok: true, watts: 2750, source: 'redfish EnvironmentMetrics' });
  });

  it('falls back to EnvironmentMetrics when PowerConsumedWatts is null, and names a BMC with no reading at all', async () => {
    let w: number | null = null;
    bmc = await startRedfishSimulator({ inputW: () => w, ...creds });
    const client = new RedfishPower({ url: bmc.url, ca: bmc.ca, ...creds });
    expect(await client.read()).toEqual({ ok: false, reason: '/redfish/v1/Chassis/1U/EnvironmentMetrics PowerWatts.Reading has no reading (null)' });
    w = 900;
    expect(await client.read()).toMatchObject({ ok: true, watts: 900 });
  });

  it('gives a reason, never an exception, for wrong credentials, an untrusted certificate, a missing chassis, or a BMC that is gone', async () => {
    bmc = await startRedfishSimulator({ inputW: () => 1000, ...creds });
    expect(await new RedfishPower({ url: bmc.url, ca: bmc.ca, username: 'root', password: 'wrong' }).read()).toEqual({
      ok: false,
      reason: `Redfish ${bmc.url}: GET /redfish/v1/Chassis: HTTP 401 (check the BMC credentials file)`,
    });
    const untrusted = await new RedfishPower({ url: bmc.url, ...creds }).read();
    expect(untrusted.ok === false && untrusted.reason).toMatch(/self-signed|unable to verify|certificate/i);
    expect(await new RedfishPower({ url: bmc.url, ca: bmc.ca, ...creds, chassisId: 'nope' }).read()).toMatchObject({ ok: false, reason: expect.stringContaining('HTTP 404') });
    const url = bmc.url;
    await bmc.close();
    bmc = undefined;
    const gone = await new RedfishPower({ url, ca: 'x', ...creds, timeoutMs: 500 }).read();
    expect(gone.ok).toBe(false);
  });
});
