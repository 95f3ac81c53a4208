import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@wattpack/common';
import { openHardware } from '../../hardware.js';
import { parseProfile } from '../simulated/profile.js';
import { resolveBmc } from './config.js';

describe('BMC flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wattpack-bmc-'));
  const creds = join(dir, 'bmc.yaml');
  writeFileSync(creds, 'username: root\npassword: calvin\n');

  it('take a Redfish https address with a credentials file, or ipmi', () => {
    expect(resolveBmc({})).toBeUndefined();
    expect(resolveBmc({ bmc: 'ipmi' })).toEqual({ kind: 'ipmi' });
    expect(resolveBmc({ bmc: 'https://10.0.0.9:8443/redfish/v1', bmcCredentials: creds, bmcChassis: '1U' })).toEqual({
      kind: 'redfish',
      url: 'https://10.0.0.9:8443',
      username: 'root',
      password: 'calvin',
      chassisId: '1U',
    });
  });

  it('refuse what cannot work, naming the flag', () => {
    expect(() => resolveBmc({ bmc: 'http://10.0.0.9', bmcCredentials: creds })).toThrow(/--bmc "http:\/\/10.0.0.9": Redfish is spoken over https:\/\/ only/);
    expect(() => resolveBmc({ bmc: 'https://10.0.0.9' })).toThrow(/--bmc-credentials: give the file/);
    expect(() => resolveBmc({ bmc: 'bmc-7' })).toThrow(/--bmc "bmc-7": use ipmi, or the BMC's Redfish address/);
    expect(() => resolveBmc({ bmcCa: 'ca.pem' })).toThrow(/need --bmc/);
    writeFileSync(creds, 'username: root\n');
    expect(() => resolveBmc({ bmc: 'https://10.0.0.9', bmcCredentials: creds })).toThrow(/--bmc-credentials .*password/);
    expect(() => resolveBmc({ bmc: 'https://10.0.0.9', bmcCredentials: join(dir, 'none.yaml') })).toThrow(/cannot read/);
  });
});

describe('a simulated GPU server', () => {
  it('has a Redfish BMC on loopback that measures its host and GPUs, read through the real client', async () => {
    let busy = new Map<number, Record<string, string>>();
    const hw = await openHardware({ simulate: parseProfile('h100x8+host:1150/2900') }, { nodeId: 'gpu-1', busyGpus: () => busy, reportIntervalMs: 1000, logger: createLogger('test', 'silent') });
    try {
      expect(await hw.bmc!.read()).toEqual({ ok: false, reason: '/redfish/v1/Chassis/1U/EnvironmentMetrics PowerWatts.Reading has no reading (null)' });
      const idle = await hw.collector.sample();
      const idleRead = await hw.bmc!.read();
      const idleGpus = idle.gpus.reduce((s, g) => s + g.powerDrawW!, 0);
      expect(idleRead.ok && idleRead.watts - idleGpus).toBeCloseTo(1150, -1);
      busy = new Map([[0, {}]]);
      const running = await hw.collector.sample();
      const busyRead = await hw.bmc!.read();
      expect(busyRead).toMatchObject({ ok: true, source: 'redfish Power' });
      expect(busyRead.ok && busyRead.watts - running.gpus.reduce((s, g) => s + g.powerDrawW!, 0)).toBeCloseTo(2900, -1);
    } finally {
      await hw.close();
    }
  });
});
