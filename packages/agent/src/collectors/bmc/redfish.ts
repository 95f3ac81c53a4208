import { redfishCall, type RedfishEndpoint } from '@wattpack/common/daemon';
import { checkWatts, type BmcPower, type BmcReading } from './reading.js';

export interface RedfishOptions extends RedfishEndpoint {
  /** Which chassis: default the first member of /redfish/v1/Chassis. */
  chassisId?: string;
}

/**
 * Server input power over Redfish: `Chassis/<id>/Power` PowerControl[0].PowerConsumedWatts
 * (deprecated but what most BMCs serve), else the newer `EnvironmentMetrics`
 * PowerWatts.Reading, whichever the chassis links (HTTPS and Basic auth: redfishCall).
 */
export class RedfishPower implements BmcPower {
  private chassis: string | undefined;

  constructor(private readonly o: RedfishOptions) {}

  async read(): Promise<BmcReading> {
    try {
      this.chassis ??= await this.findChassis();
      const chassis = (await this.get(this.chassis)) as { Power?: { '@odata.id'?: string }; EnvironmentMetrics?: { '@odata.id'?: string } };
      let powerReason: string | undefined;
      if (chassis.Power?.['@odata.id']) {
        const power = (await this.get(chassis.Power['@odata.id'])) as { PowerControl?: { PowerConsumedWatts?: unknown }[] };
        const r = checkWatts(power.PowerControl?.[0]?.PowerConsumedWatts, `${chassis.Power['@odata.id']} PowerControl[0].PowerConsumedWatts`, 'redfish Power');
        if (r.ok) return r;
        powerReason = r.reason;
      }
      if (chassis.EnvironmentMetrics?.['@odata.id']) {
        const env = (await this.get(chassis.EnvironmentMetrics['@odata.id'])) as { PowerWatts?: { Reading?: unknown } };
        return checkWatts(env.PowerWatts?.Reading, `${chassis.EnvironmentMetrics['@odata.id']} PowerWatts.Reading`, 'redfish EnvironmentMetrics');
      }
      return { ok: false, reason: powerReason ?? `${this.chassis} links neither Power nor EnvironmentMetrics` };
    } catch (err) {
      this.chassis = undefined;
      return { ok: false, reason: `Redfish ${this.o.url}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  private async findChassis(): Promise<string> {
    if (this.o.chassisId) return `/redfish/v1/Chassis/${encodeURIComponent(this.o.chassisId)}`;
    const list = (await this.get('/redfish/v1/Chassis')) as { Members?: { '@odata.id'?: string }[] };
    const first = list.Members?.find((m) => typeof m['@odata.id'] === 'string')?.['@odata.id'];
    if (!first) throw new Error('/redfish/v1/Chassis lists no chassis');
    return first;
  }

  private get(path: string): Promise<unknown> {
    return redfishCall(this.o, 'GET', path);
  }
}
