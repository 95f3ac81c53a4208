import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BmcSetting } from '@wattpack/agent';
import type { Node__Output } from '@wattpack/common/proto/Node';
import { LocalSite, waitFor } from './harness.js';
import { agentsWithBmcs, bmcPowerState as readPowerState } from './simulated-bmcs.js';

/**
 * Servers that do not power off when told, on a secure local site with real agents and
 * their Redfish BMCs: gpu-1's OS ignores GracefulShutdown (its BMC still honours
 * ForceOff); gpu-2's BMC accepts both and does nothing. The scheduler counts each on until
 * its BMC reads Off (docs/scheduling.md, "Power saving").
 */
const SUSPEND_TIMEOUT_S = 3;
let site: LocalSite;
let bmcs: Record<string, BmcSetting> = {};

beforeAll(async () => {
  const { agents, bmcs: settings } = await agentsWithBmcs({ 'gpu-1': ['GracefulShutdown'], 'gpu-2': ['GracefulShutdown', 'ForceOff'] }, 1);
  bmcs = settings;
  site = await LocalSite.start({ agents, site: { powerSaving: { enabled: true, suspendAfter: 'never', suspendTimeout: SUSPEND_TIMEOUT_S, bmcs } } });
}, 180_000);
afterAll(async () => {
  await site?.stop();
});

const node = async (id: string) => (await site.rpc<{ nodes: Node__Output[] }>('ListNodes', {})).nodes.find((n) => n.id === id)!;

const bmcPowerState = (id: string) => readPowerState(bmcs[id]!);

describe('a server that does not power off when told', () => {
  it('gets ForceOff after suspendTimeout when its OS ignores GracefulShutdown, then is off', async () => {
    const olga = await site.cliAs('olga', 'operator', ['ops']);
    const suspended = await olga(['node', 'suspend', 'gpu-1']);
    expect(suspended.exitCode, suspended.stderr).toBe(0);
    const forcing = await waitFor('ForceOff sent', async () => ((await node('gpu-1')).powerReason.endsWith('ForceOff sent') ? node('gpu-1') : undefined), 60_000);
    expect(forcing).toMatchObject({ power: 'suspending', powerReason: `powered off by olga; not off within suspendTimeout (${SUSPEND_TIMEOUT_S} s) of GracefulShutdown (its BMC reads PowerState on): ForceOff sent` });
    await waitFor('gpu-1 off', async () => (await node('gpu-1')).power === 'off', 60_000);
    expect(await bmcPowerState('gpu-1')).toBe('Off');
    expect((await site.cli(['nodes'])).stdout).toMatch(/gpu-1\s+idle~\s+NOT_READY/);
  }, 120_000);

  it('is marked down, with the reason in wattpack nodes, when its BMC ignores ForceOff too; still on, its watts counted', async () => {
    const olga = await site.cliAs('olga', 'operator', ['ops']);
    const before = JSON.parse((await site.cli(['site', '-o', 'json'])).stdout);
    expect((await olga(['node', 'suspend', 'gpu-2'])).exitCode).toBe(0);
    const down = await waitFor('gpu-2 down', async () => ((await node('gpu-2')).power === 'down' ? node('gpu-2') : undefined), 60_000);
    const why = `did not power off: its BMC reads PowerState on suspendTimeout (${SUSPEND_TIMEOUT_S} s) after ForceOff; counted on, takes no work until its agent registers again`;
    expect(down).toMatchObject({ status: 'NOT_READY', reason: why });
    expect(await bmcPowerState('gpu-2')).toBe('On');
    const shown = await site.cli(['nodes']);
    expect(shown.stdout).toMatch(/gpu-2\s+down\s+NOT_READY/);
    expect(shown.stdout).toContain('did not power off');
    // Still drawing: the site counts it at idle, as before it was told (gpu-1 off, at standby).
    const after = JSON.parse((await site.cli(['site', '-o', 'json'])).stdout);
    expect(before.allocated.facilityW).toBeCloseTo(1.2 * (1000 + 8 * 110 + 40), 6);
    expect(after.allocated.facilityW).toBeCloseTo(before.allocated.facilityW, 6);
  }, 120_000);
});
