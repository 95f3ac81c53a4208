import { httpJson } from '../http.js';
import { MinerError, type JsonObject } from '../parse-rpc.js';
import { estimatePowerW, hashrateThs, statsReadings, type Firmware } from '../parse-telemetry.js';
import { rpcCommand } from '../rpc-client.js';
import type { MinerAccess, MinerDriver, MinerReading } from './driver.js';

/** Bitmain's factory login for the web interface, used when the config names none. */
const STOCK_CREDENTIALS = { username: 'root', password: 'root' };

/**
 * Stock Antminer (bmminer), VNish and other cgminer firmware: stats (and summary if need be) over RPC.
 * Stock S19 firmware reports no power (estimated from the nameplate); newer stock firmware
 * has "chain_power", VNish chain_consumption. Only stock firmware can be curtailed, through
 * its web configuration ("miner-mode" 1 = sleep, 0 = normal, HTTP digest auth), after
 * which bmminer restarts.
 */
export class CgminerDriver implements MinerDriver {
  constructor(
    readonly firmware: Extract<Firmware, 'antminer' | 'vnish' | 'cgminer'>,
    private readonly access: MinerAccess,
  ) {}

  async read(): Promise<MinerReading> {
    const { rpc, timeoutMs } = this.access;
    // stats carries "GHS 5s" too: summary only for firmware whose stats do not.
    const stats = await rpcCommand(rpc, 'stats', undefined, timeoutMs);
    const s = statsReadings(stats);
    const model = this.access.model ?? s.model;
    const hashrate = hashrateThs(undefined, stats) ?? hashrateThs(await rpcCommand(rpc, 'summary', undefined, timeoutMs));
    const estimate = s.powerW === undefined ? estimatePowerW(model, hashrate) : undefined;
    return {
      ...(model ? { model } : {}),
      ...(hashrate !== undefined ? { hashrateThs: hashrate } : {}),
      ...(s.powerW !== undefined ? { powerW: s.powerW, powerSource: 'measured' as const } : estimate !== undefined ? { powerW: estimate, powerSource: 'estimated' as const } : {}),
      chipTemperaturesC: s.chipTemperaturesC,
      fansRpm: s.fansRpm,
    };
  }

  curtail(): Promise<void> {
    return this.setMode(1);
  }

  resume(): Promise<void> {
    return this.setMode(0);
  }

  private async setMode(mode: 0 | 1): Promise<void> {
    if (this.firmware !== 'antminer') throw new MinerError('unsupported', `${this.firmware} firmware: curtailment needs its own web API, which the agent does not speak`);
    const digest = this.access.credentials ?? STOCK_CREDENTIALS;
    const timeoutMs = this.access.timeoutMs;
    const conf = await httpJson(`${this.access.web}/cgi-bin/get_miner_conf.cgi`, { digest, timeoutMs });
    if (conf.status !== 200 || !conf.json) throw new MinerError('malformed', `get_miner_conf.cgi: HTTP ${conf.status}, ${conf.json ? 'JSON' : 'no JSON'}`);
    // The firmware rewrites the whole configuration: send back pools and fan settings as they are.
    const body: JsonObject = {
      'bitmain-fan-ctrl': conf.json['bitmain-fan-ctrl'] ?? false,
      'bitmain-fan-pwm': conf.json['bitmain-fan-pwm'] ?? '100',
      'freq-level': conf.json['bitmain-freq-level'] ?? '100',
      'miner-mode': mode,
      pools: conf.json.pools ?? [],
    };
    const set = await httpJson(`${this.access.web}/cgi-bin/set_miner_conf.cgi`, { method: 'POST', body, digest, timeoutMs });
    if (set.status !== 200 || set.json?.stats === 'error') throw new MinerError('status', `set_miner_conf.cgi: HTTP ${set.status}: ${set.text.slice(0, 200)}`);
  }
}
