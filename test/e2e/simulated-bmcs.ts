import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSimulatedBmc, type BmcSetting, type ResetType } from '@wattpack/agent';
import { readYamlFile, redfishCall } from '@wattpack/common';
import type { AgentSpec } from './harness.js';

/**
 * Simulated 8-GPU agents, each with its own Redfish BMC (writeSimulatedBmc), and the
 * scheduler's powerSaving.bmcs for them; `ignored`: the resets each BMC accepts and ignores.
 */
export async function agentsWithBmcs(ignored: Record<string, readonly ResetType[]>, bootS: number): Promise<{ agents: AgentSpec[]; bmcs: Record<string, BmcSetting> }> {
  const dir = mkdtempSync(join(tmpdir(), 'wattpack-e2e-bmc-'));
  const agents: AgentSpec[] = [];
  const bmcs: Record<string, BmcSetting> = {};
  for (const [id, resets] of Object.entries(ignored)) {
    const { file, setting } = await writeSimulatedBmc(dir, id, bootS, undefined, resets);
    bmcs[id] = setting;
    agents.push({ id, profile: 'h100x8', labels: 'rack=r1', simulateBmc: file });
  }
  return { agents, bmcs };
}

/** The server's PowerState as its BMC tells any Redfish client. */
export async function bmcPowerState({ url, credentialsFile, caFile }: BmcSetting): Promise<string> {
  const system = (await redfishCall({ url, ...(readYamlFile(credentialsFile) as { username: string; password: string }), ca: readFileSync(caFile, 'utf8') }, 'GET', '/redfish/v1/Systems/437XR1138R2')) as { PowerState: string };
  return system.PowerState;
}
