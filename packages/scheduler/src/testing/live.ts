import { defaultSiteConfig, meterSchema, type Logger, type MeterConfig, type NodeInventory, type SiteConfig } from '@wattpack/common/daemon';
import { siteSplit } from '../core/watts.js';
import { Scheduler, type SchedulerPorts } from '../loop/scheduler.js';
import { startMeterSimulator } from '../meter/simulator.js';
import { inventory } from './live-scheduler.js';

/** For tests of the live scheduler in one process: a node, ports that store nothing, a wait on a condition. */

/** One server of 8 H100s whose host draws 1 kW idle and 2.5 kW busy (live-scheduler.ts's node). */
export const H100X8: NodeInventory = inventory(8);

export const memoryPorts = (): SchedulerPorts => ({ putJob: async () => {}, deleteJob: async () => {}, putNode: async () => {}, putSite: async () => {}, openNode: async () => {}, sendCommand: async () => {} });

/** Polls `probe` until it gives a value; a generous deadline, as the test machine is shared. */
export async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A live scheduler of one H100X8 node under a 1 MW cap with a real Modbus meter on loopback
 * reading the model's facility watts times (1 + errorFraction). `close` stops both.
 */
export async function meteredScheduler(log: Logger, errorFraction: number, site: Partial<SiteConfig> = {}) {
  const meter: MeterConfig = meterSchema.parse({ host: '127.0.0.1', port: 1, preset: 'eastron-sdm630', pollMs: 200, timeoutMs: 200, staleAfterMs: 1000 });
  const scheduler = new Scheduler({ site: { ...defaultSiteConfig(), capMw: 1, reserveFraction: 0, meter, ...site }, jobs: new Map(), nodes: new Map(), log, ports: memoryPorts() });
  await scheduler.registerNode({ nodeId: 'a', labels: {}, inventory: H100X8 });
  const modelW = () => siteSplit(scheduler.snapshot()).facilityW;
  const sim = await startMeterSimulator({ drawW: modelW, register: meter.register, errorFraction });
  const close = async () => {
    scheduler.stop();
    await sim.close();
  };
  return { scheduler, sim, modelW, meter: { ...meter, port: sim.port }, close };
}
