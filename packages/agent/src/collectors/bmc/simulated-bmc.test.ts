import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, readYamlFile, redfishCall } from '@wattpack/common';
import { parse, stringify } from 'yaml';
import { openHardware } from '../../hardware.js';
import { resolveHardware } from '../../options.js';
import { parseProfile } from '../simulated/profile.js';
import { loadSimulatedBmc, writeSimulatedBmc } from './simulated-bmc.js';

describe('a simulated server whose BMC the scheduler powers off and on (--simulate-bmc)', () => {
  it('serves Redfish where its file says, with its user and certificate; tells the agent when it goes off and once it has booted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wattpack-simbmc-'));
    const { file, setting } = await writeSimulatedBmc(dir, 'gpu-1', 0.3);
    const hw = await openHardware({ simulate: parseProfile('h100x8'), bmc: loadSimulatedBmc(file) }, { nodeId: 'gpu-1', busyGpus: () => new Map(), reportIntervalMs: 1000, logger: createLogger('test', 'silent') });
    const seen: boolean[] = [];
    hw.onServerPower!((on) => seen.push(on));
    try {
      const client = { url: setting.url, ca: readFileSync(setting.caFile, 'utf8'), ...(readYamlFile(setting.credentialsFile) as { username: string; password: string }) };
      const system = '/redfish/v1/Systems/437XR1138R2';
      await redfishCall(client, 'POST', `${system}/Actions/ComputerSystem.Reset`, { ResetType: 'GracefulShutdown' });
      expect(seen).toEqual([false]);
      expect(await redfishCall(client, 'GET', system)).toMatchObject({ PowerState: 'Off' });
      await redfishCall(client, 'POST', `${system}/Actions/ComputerSystem.Reset`, { ResetType: 'On' });
      expect(await redfishCall(client, 'GET', system)).toMatchObject({ PowerState: 'PoweringOn' });
      await expect.poll(() => seen.length, { timeout: 20_000 }).toBe(2);
      expect(seen).toEqual([false, true]);
      await expect(redfishCall({ ...client, password: 'wrong' }, 'GET', system)).rejects.toThrow(/HTTP 401/);
    } finally {
      await hw.close();
    }
  });

  it('is refused without --simulate, and with a file that cannot work, naming the flag, the file and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wattpack-simbmc-'));
    const bad = join(dir, 'bmc-simulator.yaml');
    writeFileSync(bad, 'listen: 127.0.0.1\ncredentialsFile: c.yaml\ncertFile: a\nkeyFile: b\ncaFile: c\n');
    expect(() => resolveHardware({ simulateBmc: bad, gpus: 'none', miners: 'm.yaml' })).toThrow("--simulate-bmc describes a simulated server's BMC: it needs --simulate");
    expect(() => resolveHardware({ simulate: 'h100x8', simulateBmc: bad })).toThrow(`--simulate-bmc ${bad}: listen: host:port`);
  });

  it('takes the reset types its server ignores (an OS deaf to GracefulShutdown), and names a wrong one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wattpack-simbmc-'));
    const { file } = await writeSimulatedBmc(dir, 'gpu-1', 0);
    const withIgnored = (types: string[]) => writeFileSync(file, stringify({ ...parse(readFileSync(file, 'utf8')), ignoreResets: types }));
    expect(loadSimulatedBmc(file).ignoreResets).toEqual([]);
    withIgnored(['GracefulShutdown']);
    expect(loadSimulatedBmc(file).ignoreResets).toEqual(['GracefulShutdown']);
    withIgnored(['Shutdown']);
    expect(() => loadSimulatedBmc(file)).toThrow(new RegExp(`^--simulate-bmc ${file}: ignoreResets.0: .*GracefulShutdown`));
  });
});
