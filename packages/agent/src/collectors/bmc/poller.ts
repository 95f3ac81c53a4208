import type { Logger } from '@wattpack/common';
import type { BmcPower, BmcReading } from './reading.js';

/**
 * Reads the BMC in the background (a Redfish call may take seconds; a report must not
 * wait for it) and keeps the last reading. A reading older than three intervals is no
 * reading: the report leaves host power out rather than send a stale one.
 */
export class BmcPoller {
  private last: { reading: BmcReading; at: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastReason = '';

  constructor(
    private readonly bmc: BmcPower,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    const tick = async () => {
      const reading = await this.bmc.read();
      if (this.stopped) return;
      this.last = { reading, at: Date.now() };
      const reason = reading.ok ? '' : reading.reason;
      if (reason !== this.lastReason) (reason ? this.log.warn({ reason }, 'no host power from the BMC') : this.log.info({ source: reading.ok && reading.source }, 'host power from the BMC'));
      this.lastReason = reason;
      this.timer = setTimeout(() => void tick(), this.intervalMs);
    };
    void tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.bmc.close?.();
  }

  /** The host fields of a report: the input power, where it came from and when it was read, when fresh. */
  hostPower(): { inputPowerW: number; powerSource: string; inputPowerAtMs: number } | Record<string, never> {
    const l = this.last;
    if (!l?.reading.ok || Date.now() - l.at > 3 * this.intervalMs) return {};
    return { inputPowerW: l.reading.watts, powerSource: l.reading.source, inputPowerAtMs: l.at };
  }
}
