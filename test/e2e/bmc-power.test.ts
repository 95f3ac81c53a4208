import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedfishSimulator, type RedfishPowerState, type RedfishSimulator } from '@wattpack/agent';
import { redfishCall, siteConfigSchema } from '@wattpack/common';
import { bmcsFromSettings, RedfishNodePower } from '@wattpack/scheduler';

const creds = { username: 'wattpack', password: 's3cret-bmc' };
let bmc: RedfishSimulator | undefined;
afterEach(async () => {
  await bmc?.close();
  bmc = undefined;
});

/** The simulated BMC as site setting powerSaving.bmcs names it: its files written as an operator would. */
function settingsFor(sim: RedfishSimulator, password = creds.password) {
  const dir = mkdtempSync(join(tmpdir(), 'wp-bmc-'));
  writeFileSync(join(dir, 'bmc.yaml'), `username: ${creds.username}\npassword: ${password}\n`);
  writeFileSync(join(dir, 'ca.pem'), sim.ca);
  const site = siteConfigSchema.parse({ powerSaving: { enabled: true, bmcs: { 'gpu-0': { url: sim.url, credentialsFile: join(dir, 'bmc.yaml'), caFile: join(dir, 'ca.pem') } } } });
  return site.powerSaving.bmcs;
}

describe('servers powered off and on through their BMC (Redfish ComputerSystem.Reset)', () => {
  it('shuts a server down gracefully (its input power falls to standby) and powers it on again after its boot', async () => {
    const seen: RedfishPowerState[] = [];
    bmc = await startRedfishSimulator({ inputW: () => 2260, ...creds, standbyW: 45, bootMs: 300, onPowerState: (s) => seen.push(s) });
    const port = new RedfishNodePower(bmcsFromSettings(settingsFor(bmc)));
    expect(await port.state('gpu-0')).toBe('on');
    await port.set('gpu-0', 'off');
    expect(await port.state('gpu-0')).toBe('off');
    expect(bmc.powerState()).toBe('Off');
    const inputW = async () => ((await redfishCall({ url: bmc!.url, ca: bmc!.ca, ...creds }, 'GET', '/redfish/v1/Chassis/1U/Power')) as { PowerControl: { PowerConsumedWatts: number }[] }).PowerControl[0]!.PowerConsumedWatts;
    expect(await inputW()).toBe(45);
    await port.set('gpu-0', 'on');
    expect(await port.state('gpu-0')).toBe('powering-on');
    const deadline = Date.now() + 20_000;
    while ((await port.state('gpu-0')) !== 'on' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await port.state('gpu-0')).toBe('on');
    expect(seen).toEqual(['Off', 'PoweringOn', 'On']);
    expect(await inputW()).toBe(2260);
  });

  it('names the node and the cause when the BMC refuses, is missing, or the setting is bad', async () => {
    bmc = await startRedfishSimulator({ inputW: () => 2260, ...creds });
    const wrong = new RedfishNodePower(bmcsFromSettings(settingsFor(bmc, 'not-the-password')));
    await expect(wrong.set('gpu-0', 'off')).rejects.toThrow(/BMC of gpu-0: GET \/redfish\/v1\/Systems: HTTP 401 \(check the BMC credentials file\)/);
    expect(bmc.powerState()).toBe('On');
    const port = new RedfishNodePower(bmcsFromSettings(settingsFor(bmc)));
    await expect(port.set('gpu-7', 'off')).rejects.toThrow(/node gpu-7 has no BMC in site setting powerSaving.bmcs/);
    expect(() => siteConfigSchema.parse({ powerSaving: { bmcs: { 'gpu-0': { url: 'http://10.0.0.5', credentialsFile: '/x' } } } })).toThrow(/https/);
    expect(() => bmcsFromSettings({ 'gpu-0': { url: bmc!.url, credentialsFile: '/nonexistent/bmc.yaml' } })).toThrow(/powerSaving.bmcs.gpu-0.credentialsFile \/nonexistent\/bmc.yaml/);
  });
});
