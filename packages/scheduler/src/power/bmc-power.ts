import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeIssues, readYamlFile, redfishCall, WattpackError, type PowerSaving, type RedfishEndpoint } from '@wattpack/common/daemon';

/** A server's power as its BMC reports it. */
export type ServerPower = 'on' | 'off' | 'powering-on' | 'powering-off';

export type PowerCommand = 'off' | 'force-off' | 'on';
const RESET_TYPE: Record<PowerCommand, string> = { off: 'GracefulShutdown', 'force-off': 'ForceOff', on: 'On' };

/**
 * The scheduler's hand on servers' power: what Slurm's SuspendProgram and ResumeProgram do
 * (the controller runs them; a server cannot power itself on). Power saving's plans
 * (core/power-saving.ts) go through it.
 */
export interface NodePowerPort {
  /** Powers a server off (a graceful shutdown, or forced: at once, as its power button held), or on; resolves once its BMC accepted the command. */
  set(nodeId: string, to: PowerCommand): Promise<void>;
  /** The server's power now. */
  state(nodeId: string): Promise<ServerPower>;
  /** Whether this node has a BMC the port can reach (others are never powered off). */
  covers(nodeId: string): boolean;
}

export interface RedfishBmc extends RedfishEndpoint {
  /** Which ComputerSystem: default the first member of /redfish/v1/Systems. */
  systemId?: string;
}

interface SystemResource {
  PowerState?: unknown;
  Actions?: { '#ComputerSystem.Reset'?: { target?: unknown; 'ResetType@Redfish.AllowableValues'?: unknown } };
}

const POWER_STATES: Record<string, ServerPower> = { On: 'on', Off: 'off', PoweringOn: 'powering-on', PoweringOff: 'powering-off' };

/**
 * Servers' power through their BMCs' Redfish service: POST the system's
 * `#ComputerSystem.Reset` target (found in the ComputerSystem resource, as the standard
 * asks, not guessed) with ResetType GracefulShutdown, ForceOff or On; PowerState for the state.
 */
export class RedfishNodePower implements NodePowerPort {
  constructor(private readonly bmcs: ReadonlyMap<string, RedfishBmc>) {}

  covers(nodeId: string): boolean {
    return this.bmcs.has(nodeId);
  }

  async set(nodeId: string, to: PowerCommand): Promise<void> {
    const bmc = this.bmc(nodeId);
    const { path, system } = await this.system(nodeId, bmc);
    const reset = system.Actions?.['#ComputerSystem.Reset'];
    if (typeof reset?.target !== 'string') throw unavailable(nodeId, `${path} offers no #ComputerSystem.Reset action`);
    const type = RESET_TYPE[to];
    const allowed = reset['ResetType@Redfish.AllowableValues'];
    if (Array.isArray(allowed) && !allowed.includes(type)) throw unavailable(nodeId, `${path} does not allow ResetType ${type} (only ${allowed.join(', ')})`);
    await call(nodeId, () => redfishCall(bmc, 'POST', reset.target as string, { ResetType: type }));
  }

  async state(nodeId: string): Promise<ServerPower> {
    const { path, system } = await this.system(nodeId, this.bmc(nodeId));
    const state = typeof system.PowerState === 'string' ? POWER_STATES[system.PowerState] : undefined;
    if (!state) throw unavailable(nodeId, `${path} PowerState ${JSON.stringify(system.PowerState)} is none of ${Object.keys(POWER_STATES).join(', ')}`);
    return state;
  }

  private bmc(nodeId: string): RedfishBmc {
    const bmc = this.bmcs.get(nodeId);
    if (!bmc) throw new WattpackError('FAILED_PRECONDITION', `node ${nodeId} has no BMC in site setting powerSaving.bmcs: it cannot be powered off or on`);
    return bmc;
  }

  private async system(node: string, bmc: RedfishBmc): Promise<{ path: string; system: SystemResource }> {
    let path = bmc.systemId ? `/redfish/v1/Systems/${encodeURIComponent(bmc.systemId)}` : undefined;
    if (!path) {
      const list = (await call(node, () => redfishCall(bmc, 'GET', '/redfish/v1/Systems'))) as { Members?: { '@odata.id'?: unknown }[] } | undefined;
      const first = list?.Members?.find((m) => typeof m['@odata.id'] === 'string')?.['@odata.id'];
      if (typeof first !== 'string') throw unavailable(node, '/redfish/v1/Systems lists no system');
      path = first;
    }
    const system = (await call(node, () => redfishCall(bmc, 'GET', path))) as SystemResource | undefined;
    return { path, system: system ?? {} };
  }
}

const unavailable = (nodeId: string, why: string) => new WattpackError('UNAVAILABLE', `BMC of ${nodeId}: ${why}`);

async function call(nodeId: string, f: () => Promise<unknown>): Promise<unknown> {
  try {
    return await f();
  } catch (err) {
    throw unavailable(nodeId, err instanceof Error ? err.message : String(err));
  }
}

const credentialsSchema = z.strictObject({ username: z.string().min(1), password: z.string().min(1) });

/** The BMCs of site setting powerSaving.bmcs, their files read: each error names the node and the file. */
export function bmcsFromSettings(bmcs: PowerSaving['bmcs']): Map<string, RedfishBmc> {
  const out = new Map<string, RedfishBmc>();
  for (const [nodeId, b] of Object.entries(bmcs)) {
    const field = `powerSaving.bmcs.${nodeId}`;
    let credentials: unknown;
    try {
      credentials = readYamlFile(b.credentialsFile);
    } catch (err) {
      throw new WattpackError('INVALID_ARGUMENT', `${field}.credentialsFile ${b.credentialsFile}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const parsed = credentialsSchema.safeParse(credentials);
    if (!parsed.success) throw new WattpackError('INVALID_ARGUMENT', `${field}.credentialsFile ${b.credentialsFile}: ${describeIssues(parsed.error)}`);
    let ca: string | undefined;
    if (b.caFile) {
      try {
        ca = readFileSync(b.caFile, 'utf8');
      } catch (err) {
        throw new WattpackError('INVALID_ARGUMENT', `${field}.caFile ${b.caFile}: ${(err as Error).message}`);
      }
    }
    out.set(nodeId, { url: new URL(b.url).origin, ...parsed.data, ...(ca ? { ca } : {}), ...(b.systemId ? { systemId: b.systemId } : {}) });
  }
  return out;
}
