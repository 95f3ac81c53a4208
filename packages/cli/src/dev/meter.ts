import { setTimeout as sleep } from 'node:timers/promises';
import { METER_PRESETS, WattpackError } from '@wattpack/common/core';
import type { SchedulerClient } from '../client.js';

/** What the simulated meter measures: the agents' reported draw, or the model (every GPU at its limit). */
export const METER_BASES = ['measured', 'model'] as const;
export type MeterBase = (typeof METER_BASES)[number];

export interface DevMeterOptions {
  /** host:port to serve Modbus TCP on. */
  listen: string;
  errorFraction: number;
  noiseFraction: number;
  base: MeterBase;
}

/** The meter map `wattpack dev` gives the scheduler and serves: an Eastron SDM630's. */
export const DEV_METER_PRESET = 'eastron-sdm630';

export function splitHostPort(listen: string, flag: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  const port = Number(listen.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 1 || port > 65_535) throw new WattpackError('INVALID_ARGUMENT', `${flag}: expected host:port with a port 1-65535, got "${listen}"`);
  return { host: listen.slice(0, at), port };
}

/**
 * The dev site's facility meter: real Modbus TCP on `listen`, reading the site's draw as
 * the scheduler reports it (GetSite, every half second) plus the error and noise. Runs
 * until `stopped` resolves.
 */
export async function serveDevMeter(client: SchedulerClient, o: DevMeterOptions, stopped: Promise<void>): Promise<void> {
  const { host, port } = splitHostPort(o.listen, '--listen');
  let drawW = 0;
  // Loaded when used: the scheduler package (Modbus, PGlite, pg) would slow every CLI start.
  const { startMeterSimulator } = await import('@wattpack/scheduler');
  const meter = await startMeterSimulator({ host, port, register: { ...METER_PRESETS[DEV_METER_PRESET] }, errorFraction: o.errorFraction, noiseFraction: o.noiseFraction, drawW: () => drawW });
  let done = false;
  void stopped.then(() => (done = true));
  try {
    while (!done) {
      // A scheduler that does not answer leaves the last draw: a real meter keeps measuring.
      const site = await client.getSite().catch(() => undefined);
      if (site) drawW = (o.base === 'model' ? site.allocated?.facilityW : site.measured?.facilityW) ?? drawW;
      await Promise.race([sleep(500), stopped]);
    }
  } finally {
    await meter.close();
  }
}
