import { request } from 'node:https';
import { checkWatts, type BmcPower, type BmcReading } from './reading.js';

export interface RedfishOptions {
  /** https://host[:port] of the BMC. */
  url: string;
  username: string;
  password: string;
  /** PEM of the CA that signed the BMC's certificate (BMCs mostly use their own). */
  ca?: string;
  /** Which chassis: default the first member of /redfish/v1/Chassis. */
  chassisId?: string;
  timeoutMs?: number;
}

/** Replies larger than this are not a power resource: refused rather than buffered. */
const MAX_REPLY_BYTES = 1 << 20;

/**
 * Server input power over Redfish: `Chassis/<id>/Power` PowerControl[0].PowerConsumedWatts
 * (deprecated but what most BMCs serve), else the newer `EnvironmentMetrics`
 * PowerWatts.Reading, whichever the chassis links. HTTPS with Basic auth (what Dell iDRAC,
 * HPE iLO, Supermicro and DGX BMCs accept), through node:https for its CA option.
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
    const url = new URL(path, this.o.url);
    const auth = Buffer.from(`${this.o.username}:${this.o.password}`).toString('base64');
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'GET', headers: { Authorization: `Basic ${auth}`, Accept: 'application/json' }, timeout: this.o.timeoutMs ?? 5000, ...(this.o.ca ? { ca: this.o.ca } : {}) }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`GET ${url.pathname}: HTTP ${res.statusCode}${res.statusCode === 401 ? ' (check the BMC credentials file)' : ''}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_REPLY_BYTES) req.destroy(new Error(`GET ${url.pathname}: reply over ${MAX_REPLY_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            reject(new Error(`GET ${url.pathname}: not JSON`));
          }
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${url.pathname}: timed out`)));
      req.on('error', reject);
      req.end();
    });
  }
}
