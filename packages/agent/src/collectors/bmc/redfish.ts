import { Agent } from 'node:https';
import { redfishCall, type RedfishEndpoint } from '@wattpack/common/daemon';
import { checkWatts, type BmcPower, type BmcReading } from './reading.js';

export interface RedfishOptions extends RedfishEndpoint {
  /** Which chassis: default the first member of /redfish/v1/Chassis. */
  chassisId?: string;
}

/** Where the chassis keeps its power readings: a chassis does not change, so read once. */
interface PowerLinks {
  chassis: string;
  power?: string;
  environment?: string;
}

/**
 * Server input power over Redfish: `Chassis/<id>/Power` PowerControl[0].PowerConsumedWatts
 * (deprecated but what most BMCs serve), else the newer `EnvironmentMetrics`
 * PowerWatts.Reading, whichever the chassis links (HTTPS and Basic auth: redfishCall).
 * The chassis and its links are looked up once (again after any failure), so a reading is
 * one GET; the connection is kept open between readings: a TLS handshake per reading
 * was most of a hollow fleet's BMC cost.
 */
export class RedfishPower implements BmcPower {
  private links: PowerLinks | undefined;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(private readonly o: RedfishOptions) {}

  async read(): Promise<BmcReading> {
    try {
      const links = (this.links ??= await this.findLinks());
      let powerReason: string | undefined;
      if (links.power) {
        const power = (await this.get(links.power)) as { PowerControl?: { PowerConsumedWatts?: unknown }[] };
        const r = checkWatts(power.PowerControl?.[0]?.PowerConsumedWatts, `${links.power} PowerControl[0].PowerConsumedWatts`, 'redfish Power');
        if (r.ok) return r;
        powerReason = r.reason;
      }
      if (links.environment) {
        const env = (await this.get(links.environment)) as { PowerWatts?: { Reading?: unknown } };
        return checkWatts(env.PowerWatts?.Reading, `${links.environment} PowerWatts.Reading`, 'redfish EnvironmentMetrics');
      }
      return { ok: false, reason: powerReason ?? `${links.chassis} links neither Power nor EnvironmentMetrics` };
    } catch (err) {
      this.links = undefined;
      return { ok: false, reason: `Redfish ${this.o.url}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  /** Closes the kept connection. */
  close(): void {
    this.agent.destroy();
  }

  private async findLinks(): Promise<PowerLinks> {
    const chassis = await this.findChassis();
    const doc = (await this.get(chassis)) as { Power?: { '@odata.id'?: string }; EnvironmentMetrics?: { '@odata.id'?: string } };
    return { chassis, power: doc.Power?.['@odata.id'], environment: doc.EnvironmentMetrics?.['@odata.id'] };
  }

  private async findChassis(): Promise<string> {
    if (this.o.chassisId) return `/redfish/v1/Chassis/${encodeURIComponent(this.o.chassisId)}`;
    const list = (await this.get('/redfish/v1/Chassis')) as { Members?: { '@odata.id'?: string }[] };
    const first = list.Members?.find((m) => typeof m['@odata.id'] === 'string')?.['@odata.id'];
    if (!first) throw new Error('/redfish/v1/Chassis lists no chassis');
    return first;
  }

  private get(path: string): Promise<unknown> {
    return redfishCall({ ...this.o, agent: this.agent }, 'GET', path);
  }
}
