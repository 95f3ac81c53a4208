import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BmcSetting } from '@wattpack/agent';
import type { Node__Output } from '@wattpack/common/proto/Node';
import { LocalSite, waitFor } from './harness.js';
import { leaderId } from './leader.js';
import { parseMetrics, valueOf } from './prometheus-text.js';
import { agentsWithBmcs, bmcPowerState as readPowerState } from './simulated-bmcs.js';

/**
 * Power saving on a secure local site: two schedulers, two simulated 8-GPU agents, each
 * with its own Redfish BMC (real HTTPS on loopback, in the agent's process) that the
 * scheduler powers the server off and on through; a server off leaves its agent dark.
 */
const NODES = ['gpu-1', 'gpu-2'];
const BOOT_S = 2;
let site: LocalSite;
let bmcs: Record<string, BmcSetting> = {};

beforeAll(async () => {
  const { agents, bmcs: settings } = await agentsWithBmcs(Object.fromEntries(NODES.map((id) => [id, []])), BOOT_S);
  bmcs = settings;
  site = await LocalSite.start({ agents, schedulers: 2, site: { powerSaving: { enabled: true, suspendAfter: 4, resumeTime: BOOT_S, resumeTimeout: 60, bmcs } } });
}, 180_000);
afterAll(async () => {
  await site?.stop();
});

const nodes = async () => (await site.rpc<{ nodes: Node__Output[] }>('ListNodes', {})).nodes;
const node = async (id: string) => (await nodes()).find((n) => n.id === id)!;
const power = async (id: string) => (await node(id)).power || 'on';

const bmcPowerState = (id: string) => readPowerState(bmcs[id]!);

const allOff = () => waitFor('both idle servers powered off', async () => (await Promise.all(NODES.map(power))).every((p) => p === 'off'), 90_000);

describe('power saving', () => {
  it('powers idle servers off through their BMCs: sinfo-like idle~, PowerState Off, agents dark', async () => {
    await allOff();
    for (const id of NODES) expect(await bmcPowerState(id)).toBe('Off');
    const n = await node('gpu-1');
    expect(n).toMatchObject({ status: 'NOT_READY', reason: 'powered off', powerReason: expect.stringMatching(/^idle \d+ s \(suspendAfter 4 s\)$/) });
    const shown = await site.cli(['nodes']);
    expect(shown.stdout).toMatch(/gpu-1\s+idle~\s+NOT_READY/);
    expect(shown.stdout).toMatch(/gpu-2\s+idle~\s+NOT_READY/);
    const metrics = parseMetrics((await site.observe(await leaderId(site), '/metrics')).body);
    expect(valueOf(metrics, 'wattpack_nodes_power', { state: 'off' })).toBe(2);
    expect(valueOf(metrics, 'wattpack_nodes_power', { state: 'on' })).toBe(0);
  }, 120_000);

  it('a new leader while servers are off keeps them off, not lost, past the failover lease', async () => {
    await allOff();
    const leader = await waitFor('a leader', async () => (await leaderId(site)) || undefined);
    await site.killSchedulerById(leader);
    const standby = leader === 's1' ? 's2' : 's1';
    await waitFor('the standby to lead', async () => ((await leaderId(site)) === standby ? true : undefined), 30_000);
    await site.waitForLeader();
    // The failover lease is 60 s: past it, a node silent for any other reason is lost.
    await new Promise((r) => setTimeout(r, 65_000));
    for (const id of NODES) expect(await node(id)).toMatchObject({ power: 'off', reason: 'powered off' });
  }, 120_000);

  it('powers a server back on for a job that needs it; the job runs to SUCCEEDED', async () => {
    await allOff();
    const submitted = await site.cli(['submit', '--name', 'wake', '--gpus', '8', '-o', 'json', '--', 'sh', '-c', 'echo ran on $WATTPACK_JOB_ID']);
    expect(submitted.exitCode, submitted.stderr).toBe(0);
    const id = JSON.parse(submitted.stdout).id as string;
    const done = await site.waitForState(id, ['SUCCEEDED'], 90_000);
    const ran = done.assignments[0]!.nodeId;
    expect(await bmcPowerState(ran)).not.toBe('Off');
    const logs = await site.cli(['logs', id]);
    expect(logs.stdout).toContain(`ran on ${id}`);
  }, 120_000);

  it('operators power a server on and off with wattpack node resume|suspend; others are refused, and it is audited', async () => {
    await allOff();
    const olga = await site.cliAs('olga', 'operator', ['ops']);
    const resumed = await olga(['node', 'resume', 'gpu-2']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/gpu-2\s+idle#/);
    await waitFor('gpu-2 back on, its agent registered', async () => (await node('gpu-2')).status === 'READY' && (await power('gpu-2')) === 'on', 60_000);
    expect(await bmcPowerState('gpu-2')).toBe('On');
    const suspended = await olga(['node', 'suspend', 'gpu-2']);
    expect(suspended.exitCode, suspended.stderr).toBe(0);
    await waitFor('gpu-2 off again', async () => (await power('gpu-2')) === 'off', 60_000);
    expect(await bmcPowerState('gpu-2')).toBe('Off');

    const unknown = await olga(['node', 'suspend', 'gpu-9']);
    expect(unknown.exitCode).not.toBe(0);
    expect(unknown.stderr).toContain('no node gpu-9');
    const user = await site.cliAs('ulla', 'user', ['vision']);
    const refused = await user(['node', 'resume', 'gpu-1']);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/powering servers off and on/);
    const audit = await site.cli(['audit', '-o', 'json']);
    expect(audit.stdout).toMatch(/SetNodePower[\s\S]*node gpu-2/);
  }, 150_000);
});
