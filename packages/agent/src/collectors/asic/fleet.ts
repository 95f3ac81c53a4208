import { WattpackError, type Logger, type MinerInfo, type MinerState } from '@wattpack/common/daemon';
import type { MinerAction, MinerPowerControl } from '../../power/power-control.js';
import type { Devices } from '../collector.js';
import type { MinerConfig } from './config.js';
import { BraiinsDriver } from './firmware/braiins.js';
import { CgminerDriver } from './firmware/cgminer.js';
import type { MinerAccess, MinerDriver, MinerReading } from './firmware/driver.js';
import { LuxosDriver } from './firmware/luxos.js';
import { confirmed, minerState, type MinerFacts } from './miner-state.js';
import { nameplateOf } from './models.js';
import { MinerError } from './parse-rpc.js';
import { detectFirmware, type Firmware } from './parse-telemetry.js';
import { formatEndpoint, parseEndpoint, rpcCommand } from './rpc-client.js';

export interface FleetOptions {
  miners: MinerConfig[];
  /** One poll of every miner, then the next this long after it ended. */
  pollIntervalMs: number;
  /** The interval while a curtail or resume waits for telemetry to confirm it (default: pollIntervalMs). */
  confirmPollIntervalMs?: number;
  /** Per command (RPC or HTTP). */
  timeoutMs: number;
  /** How long a curtail or resume may take to show in telemetry before the miner is in error. */
  confirmMs?: number;
  /** Miners talked to at once. */
  concurrency?: number;
  logger: Logger;
}

/** bmminer restarts after a stock web reconfiguration; that takes a minute or two. */
const DEFAULT_CONFIRM_MS = 150_000;
const DEFAULT_CONCURRENCY = 64;

interface Managed extends MinerFacts {
  config: MinerConfig;
  access: MinerAccess;
  firmware?: Firmware;
  driver?: MinerDriver;
  /** When the request was last sent (it is sent again each confirmMs while unconfirmed). */
  sentAtMs?: number;
}

/** Builds the driver for a firmware. */
function driverFor(firmware: Firmware, access: MinerAccess): MinerDriver {
  if (firmware === 'luxos') return new LuxosDriver(access);
  if (firmware === 'braiins') return new BraiinsDriver(access);
  return new CgminerDriver(firmware, access);
}

/** How to reach a configured miner. */
export function accessOf(config: MinerConfig, timeoutMs: number): MinerAccess {
  const rpc = parseEndpoint(config.endpoint);
  return {
    rpc,
    web: (config.web ?? `http://${rpc.host.includes(':') ? `[${rpc.host}]` : rpc.host}`).replace(/\/$/, ''),
    timeoutMs,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...(config.model ? { model: config.model } : {}),
  };
}

/** Finds the firmware from `version` when the config says auto. */
async function detect(config: MinerConfig, access: MinerAccess): Promise<{ firmware: Firmware; model?: string }> {
  if (config.firmware !== 'auto') return { firmware: config.firmware };
  const info = detectFirmware(await rpcCommand(access.rpc, 'version', undefined, access.timeoutMs));
  return { firmware: info.firmware, ...(info.model ? { model: info.model } : {}) };
}

/**
 * The miners of a node: polls them all in the background (so a report never waits on a
 * miner), applies curtail and resume, and confirms each by telemetry. Firmware is found
 * once per miner (again after it was unreachable at the start).
 */
export class MinerFleet implements Devices<MinerInfo, MinerState>, MinerPowerControl {
  private readonly miners: Managed[];
  private readonly log: Logger;
  private readonly confirmMs: number;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;

  private constructor(private readonly opts: FleetOptions) {
    this.log = opts.logger.child({ component: 'miners' });
    this.confirmMs = opts.confirmMs ?? DEFAULT_CONFIRM_MS;
    this.miners = opts.miners.map((config) => ({
      config,
      id: config.id ?? config.endpoint,
      access: accessOf(config, opts.timeoutMs),
      nameplate: config.nameplate ?? nameplateOf(config.model) ?? { hashrateThs: 0, powerW: 0 },
    }));
  }

  /** Detects firmware and reads every miner once, so the inventory names models and nameplates. */
  static async open(opts: FleetOptions): Promise<MinerFleet> {
    const fleet = new MinerFleet(opts);
    await fleet.poll();
    for (const m of fleet.miners) {
      if (m.nameplate.powerW === 0) fleet.log.warn({ miner: m.id, model: m.reading?.model }, 'unknown miner model: no nameplate, its power counts as 0 until it reports some; set model or nameplate in the miners file');
    }
    return fleet;
  }

  /**
   * Polls until stop(): every pollIntervalMs, and every confirmPollIntervalMs while a
   * request waits for telemetry to confirm it (checked at that finer step).
   */
  start(): void {
    const step = this.opts.confirmPollIntervalMs ?? this.opts.pollIntervalMs;
    let lastMs = Date.now();
    const tick = async () => {
      const waiting = this.miners.some((m) => m.request && !confirmed(m) && Date.now() - m.request.atMs < this.confirmMs);
      if (waiting || Date.now() - lastMs >= this.opts.pollIntervalMs - step / 2) {
        lastMs = Date.now();
        await this.poll();
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), step);
    };
    this.timer = setTimeout(() => void tick(), step);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
  }

  async inventory(): Promise<MinerInfo[]> {
    return this.miners.map((m) => ({
      id: m.id,
      model: m.config.model ?? m.reading?.model ?? 'unknown',
      endpoint: formatEndpoint(m.access.rpc),
      nameplatePowerW: m.nameplate.powerW,
      nameplateHashrateThs: m.nameplate.hashrateThs,
      firmware: m.firmware ?? m.config.firmware,
    }));
  }

  /** The latest state of each miner; no I/O. */
  async sample(): Promise<MinerState[]> {
    const now = Date.now();
    return this.miners.map((m) => minerState(m, now, this.confirmMs));
  }

  /** Everything read about each miner, for diagnostics. */
  details(): { id: string; firmware?: Firmware; reading?: MinerReading; error?: string; state: MinerState }[] {
    const now = Date.now();
    return this.miners.map((m) => ({
      id: m.id,
      ...(m.firmware ? { firmware: m.firmware } : {}),
      ...(m.reading ? { reading: m.reading } : {}),
      ...(m.error ? { error: m.error.message } : {}),
      state: minerState(m, now, this.confirmMs),
    }));
  }

  /**
   * Sends curtail or resume to each miner and resolves once every one accepted it;
   * rejects naming those that did not. Reports show it done once telemetry agrees.
   */
  async setMiners(ids: string[], action: MinerAction): Promise<void> {
    const targets = ids.map((id) => {
      const m = this.miners.find((x) => x.id === id);
      if (!m) throw new WattpackError('INVALID_ARGUMENT', `no miner "${id}" on this node (miners: ${this.miners.map((x) => x.id).join(', ') || 'none'})`);
      return m;
    });
    const now = Date.now();
    const failures = await Promise.all(
      targets.map(async (m) => {
        m.request = { action, atMs: now };
        try {
          await this.send(m);
          return undefined;
        } catch (err) {
          return `${m.id}: ${(err as Error).message}`;
        }
      }),
    );
    const failed = failures.filter((f) => f !== undefined);
    if (failed.length) throw new WattpackError('UNAVAILABLE', `${action} failed: ${failed.join('; ')}`);
  }

  /** One round over all miners, at most `concurrency` at a time; concurrent callers share it. */
  poll(): Promise<void> {
    this.polling ??= (async () => {
      const queue = [...this.miners];
      const worker = async () => {
        for (let m = queue.shift(); m; m = queue.shift()) await this.pollOne(m);
      };
      await Promise.all(Array.from({ length: Math.min(this.opts.concurrency ?? DEFAULT_CONCURRENCY, queue.length) }, worker));
    })().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async pollOne(m: Managed): Promise<void> {
    const wasConfirmed = confirmed(m);
    try {
      m.reading = await (await this.driverOf(m)).read();
      if (m.nameplate.powerW === 0) m.nameplate = nameplateOf(m.reading.model) ?? m.nameplate;
      m.error = undefined;
    } catch (err) {
      m.error = err instanceof MinerError ? err : new MinerError('malformed', (err as Error).message);
    }
    if (!m.request) return;
    if (confirmed(m)) {
      if (!wasConfirmed) this.log.info({ miner: m.id, action: m.request.action, afterMs: Date.now() - m.request.atMs }, 'miner confirmed by telemetry');
    } else if (!m.error && Date.now() - (m.sentAtMs ?? 0) > this.confirmMs) {
      // Not taken (a firmware restart can drop it): ask again, once per confirmation window.
      this.log.warn({ miner: m.id, action: m.request.action }, 'miner not confirmed: sending the request again');
      await this.send(m).catch((err: Error) => this.log.warn({ miner: m.id, err: err.message }, 'sending the request again failed'));
    }
  }

  /** The miner's driver, detecting its firmware the first time it answers. */
  private async driverOf(m: Managed): Promise<MinerDriver> {
    if (m.driver) return m.driver;
    const found = await detect(m.config, m.access);
    m.firmware = found.firmware;
    m.driver = driverFor(found.firmware, found.model && !m.access.model ? { ...m.access, model: found.model } : m.access);
    if (m.nameplate.powerW === 0) m.nameplate = nameplateOf(found.model) ?? m.nameplate;
    return m.driver;
  }

  private async send(m: Managed): Promise<void> {
    const driver = await this.driverOf(m);
    m.sentAtMs = Date.now();
    await (m.request!.action === 'curtail' ? driver.curtail() : driver.resume());
    this.log.info({ miner: m.id, action: m.request!.action, firmware: m.firmware }, 'miner request accepted');
  }
}
