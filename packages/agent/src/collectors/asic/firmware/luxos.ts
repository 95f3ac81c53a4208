import { MinerError } from '../parse-rpc.js';
import { hashrateThs, luxosPowerW, luxosProfiles, luxosSessionId, statsReadings, type LuxosProfile } from '../parse-telemetry.js';
import { rpcCommand } from '../rpc-client.js';
import type { MinerAccess, MinerDriver, MinerReading } from './driver.js';

/**
 * LuxOS (LUXminer): stats (hashrate, temperatures), power (POWER[0].Watts) and profiles over RPC;
 * curtailment is `curtail` with "<session>,sleep" or "<session>,wakeup" inside a
 * logon/logoff session.
 */
export class LuxosDriver implements MinerDriver {
  readonly firmware = 'luxos';
  /** Profiles do not change while the agent runs: read once. */
  private profiles: LuxosProfile[] | undefined;

  constructor(private readonly access: MinerAccess) {}

  async read(): Promise<MinerReading> {
    const { rpc, timeoutMs } = this.access;
    const stats = await rpcCommand(rpc, 'stats', undefined, timeoutMs);
    const power = await rpcCommand(rpc, 'power', undefined, timeoutMs);
    const s = statsReadings(stats);
    const model = this.access.model ?? s.model;
    const hashrate = hashrateThs(undefined, stats) ?? hashrateThs(await rpcCommand(rpc, 'summary', undefined, timeoutMs));
    const watts = luxosPowerW(power);
    this.profiles ??= luxosProfiles(await rpcCommand(rpc, 'profiles', undefined, timeoutMs));
    return {
      profiles: this.profiles,
      ...(model ? { model } : {}),
      ...(hashrate !== undefined ? { hashrateThs: hashrate } : {}),
      ...(watts !== undefined ? { powerW: watts, powerSource: 'measured' as const } : {}),
      chipTemperaturesC: s.chipTemperaturesC,
      fansRpm: s.fansRpm,
    };
  }

  curtail(): Promise<void> {
    return this.curtailCommand('sleep');
  }

  resume(): Promise<void> {
    return this.curtailCommand('wakeup');
  }

  private async curtailCommand(action: 'sleep' | 'wakeup'): Promise<void> {
    const { rpc, timeoutMs } = this.access;
    const sid = luxosSessionId(await rpcCommand(rpc, 'logon', undefined, timeoutMs));
    if (!sid) throw new MinerError('malformed', 'logon: no SessionID in the reply');
    try {
      await rpcCommand(rpc, 'curtail', `${sid},${action}`, timeoutMs);
    } finally {
      await rpcCommand(rpc, 'logoff', sid, timeoutMs).catch(() => {});
    }
  }
}
