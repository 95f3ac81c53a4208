import type { Logger, MeterConfig } from '@wattpack/common/daemon';
import { ModbusMeter, type MeterSample } from './modbus-meter.js';

/**
 * Reads the meter every pollMs, one read at a time (a slow meter is not asked twice at
 * once), and hands each sample on. Failures are samples too: they never stop the loop.
 */
export function pollMeter(config: MeterConfig, onSample: (s: MeterSample) => void, log: Logger): { stop(): void } {
  const meter = new ModbusMeter(config);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastReason = '';
  const tick = async () => {
    const started = Date.now();
    const sample = await meter.read();
    if (stopped) return;
    // Logged when the reason changes, not every poll of a meter that stays down.
    const reason = sample.ok ? '' : sample.reason;
    if (reason !== lastReason) (reason ? log.warn({ reason }, 'facility meter') : log.info('facility meter answers again'));
    lastReason = reason;
    try {
      onSample(sample);
    } catch (err) {
      log.error({ err }, 'facility meter sample failed');
    }
    timer = setTimeout(() => void tick(), Math.max(0, config.pollMs - (Date.now() - started)));
  };
  void tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      meter.close();
    },
  };
}
