import { join } from 'node:path';
import { writeSimulatedBmc, type BmcSetting } from '@wattpack/agent';
import { freePort } from '@wattpack/common';
import type { AgentPlan } from './agents.js';

/** How long a dev site's simulated server takes to boot once its BMC powers it on. */
export const DEV_BOOT_S = 10;

/** The dev site's simulated BMCs by node: each agent's --simulate-bmc file, and the scheduler's powerSaving.bmcs entry. */
export type DevBmcs = Map<string, { file: string; setting: BmcSetting }>;

/**
 * A simulated BMC for each GPU node that runs as a process of its own (hollow fleet nodes
 * have none): what `wattpack dev` gives the scheduler so that power saving can power the
 * servers off and on through Redfish, as on a real site (docs/scheduling.md).
 */
export async function writeDevBmcs(stateDir: string, processes: readonly AgentPlan[][], sitePorts: readonly number[]): Promise<DevBmcs> {
  const out: DevBmcs = new Map();
  const taken = new Set(sitePorts);
  for (const [only, ...more] of processes) {
    if (!only || more.length > 0 || !only.nodeId.startsWith('gpu-')) continue;
    out.set(only.nodeId, await writeSimulatedBmc(join(stateDir, 'bmc'), only.nodeId, DEV_BOOT_S, await portOutside(taken)));
  }
  return out;
}

/**
 * A free port that none of the site's own listeners was given: theirs were chosen free but
 * are not bound yet (an agent's BMC may listen before the scheduler does), so the OS may
 * hand one out again.
 */
async function portOutside(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (taken.has(port)) continue;
    taken.add(port);
    return port;
  }
}

/**
 * The dev site's powerSaving setting: the given one (if any) with the simulated BMCs
 * added (its own entries win); `--power-saving <duration>` turns it on with that
 * suspendAfter and the simulated boot as resumeTime.
 */
export function devPowerSaving(given: unknown, bmcs: DevBmcs, suspendAfterS?: number): Record<string, unknown> {
  const g = given !== null && typeof given === 'object' ? (given as Record<string, unknown>) : {};
  const own = g['bmcs'] !== null && typeof g['bmcs'] === 'object' ? (g['bmcs'] as Record<string, unknown>) : {};
  const on = suspendAfterS !== undefined ? { enabled: true, suspendAfter: suspendAfterS, resumeTime: DEV_BOOT_S } : {};
  return { ...on, ...g, bmcs: { ...Object.fromEntries([...bmcs].map(([id, b]) => [id, b.setting])), ...own } };
}
