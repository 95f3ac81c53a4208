import { WattpackError, type GpuInfo, type GpuState, type Logger, type MinerInfo, type MinerState } from '@wattpack/common/daemon';
import { randomBytes } from 'node:crypto';
import { loadMinersFile } from './collectors/asic/config.js';
import { IpmiDcmiPower } from './collectors/bmc/ipmi.js';
import type { BmcPower } from './collectors/bmc/reading.js';
import { RedfishPower } from './collectors/bmc/redfish.js';
import { MinerFleet } from './collectors/asic/fleet.js';
import type { Collector, Devices } from './collectors/collector.js';
import { hostInfo } from './collectors/host/host.js';
import { NvidiaCollector } from './collectors/nvidia/collector.js';
import { XidWatcher } from './collectors/nvidia/kernel-log.js';
import { nvidiaSmi, nvidiaSmiFollower } from './collectors/nvidia/nvidia-smi.js';
import { SimulatedCollector } from './collectors/simulated/collector.js';
import { createSimulatedHardware } from './collectors/simulated/hardware.js';
import type { HardwareChoice } from './options.js';
import { NvidiaPowerLimits } from './power/nvidia-power.js';
import { checkGpuLimitRequest, type GpuPowerControl, type MinerPowerControl, type PowerControl } from './power/power-control.js';
import { SimulatedPowerControl } from './power/simulated-power.js';

/** The node's devices: what the agent reports and what it controls. */
export interface Hardware {
  collector: Collector;
  power: PowerControl;
  /** The server's BMC, for its input power; absent when the node has none configured. */
  bmc?: BmcPower;
  /** A simulated server the scheduler powers off and on (--simulate-bmc): told each time it goes off, and once it has booted. */
  onServerPower?(listener: (on: boolean) => void): void;
  close(): Promise<void>;
}

export interface HardwareDeps {
  nodeId: string;
  /** GPUs an attempt runs on now, each with that attempt's env (simulated GPUs are busy while one does). */
  busyGpus(): ReadonlyMap<number, Readonly<Record<string, string>>>;
  /** Miners are polled this often, so every report has fresh readings. */
  reportIntervalMs: number;
  logger: Logger;
}

export async function openHardware(choice: HardwareChoice, deps: HardwareDeps): Promise<Hardware> {
  if ('simulate' in choice) {
    const hw = createSimulatedHardware(choice.simulate, deps.nodeId);
    const collector = new SimulatedCollector(hw, deps.busyGpus);
    if (hw.gpus.length === 0) return { collector, power: new SimulatedPowerControl(hw), close: async () => {} };
    // A GPU server has a BMC: a Redfish one on loopback, read through the real client.
    const given = choice.bmc;
    const credentials = given ? { username: given.username, password: given.password } : { username: 'wattpack', password: randomBytes(12).toString('hex') };
    // Loaded here: it issues its own certificate, which brings the PKI's X.509 code.
    const { startRedfishSimulator } = await import('./collectors/bmc/redfish-simulator.js');
    const listeners: ((on: boolean) => void)[] = [];
    const sim = await startRedfishSimulator({
      inputW: () => hw.inputW,
      ...credentials,
      ...(given ? { listen: given.listen, tls: given.tls, bootMs: given.bootMs, ignoreResets: given.ignoreResets } : {}),
      // Off, or On after its boot: what the agent follows (PoweringOn is still dark).
      onPowerState: (state) => state !== 'PoweringOn' && listeners.forEach((l) => l(state === 'On')),
    });
    return {
      collector,
      power: new SimulatedPowerControl(hw),
      bmc: new RedfishPower({ url: sim.url, ca: sim.ca, ...credentials }),
      ...(given ? { onServerPower: (l: (on: boolean) => void) => void listeners.push(l) } : {}),
      close: () => sim.close(),
    };
  }
  const gpus = choice.gpus === 'nvidia' ? await openNvidia(deps) : noGpus();
  let miners: Part<MinerInfo, MinerState, MinerPowerControl>;
  try {
    miners = choice.miners ? await openMiners(choice.miners, deps) : noMiners();
  } catch (err) {
    await gpus.close();
    throw err;
  }
  const bmc = choice.bmc?.kind === 'redfish' ? new RedfishPower(choice.bmc) : choice.bmc?.kind === 'ipmi' ? new IpmiDcmiPower() : undefined;
  return {
    collector: nodeCollector(gpus.devices, miners.devices),
    power: { setGpuLimits: (i, w) => gpus.power.setGpuLimits(i, w), setMiners: (ids, a) => miners.power.setMiners(ids, a) },
    ...(bmc ? { bmc } : {}),
    close: async () => {
      await Promise.all([gpus.close(), miners.close()]);
    },
  };
}

interface Part<Info, State, Power> {
  devices: Devices<Info, State>;
  power: Power;
  close(): Promise<void>;
}

/** Real GPUs through nvidia-smi (one looping process, read at the report interval), with XIDs from the kernel log. */
async function openNvidia(deps: HardwareDeps): Promise<Part<GpuInfo, GpuState, GpuPowerControl>> {
  const smi = nvidiaSmi();
  const xids = new XidWatcher();
  xids.start();
  try {
    const collector = await NvidiaCollector.open(smi, { xids });
    const power = new NvidiaPowerLimits({ smi, gpus: await collector.inventory(), readLimits: (i) => collector.readLimits(i), logger: deps.logger });
    collector.watchPower(power);
    collector.startStreaming(nvidiaSmiFollower(), deps.reportIntervalMs);
    return {
      devices: collector,
      power,
      close: async () => {
        collector.stopStreaming();
        xids.stop();
      },
    };
  } catch (err) {
    xids.stop();
    throw err;
  }
}

function noGpus(): Part<GpuInfo, GpuState, GpuPowerControl> {
  return {
    devices: { inventory: async () => [], sample: async () => [] },
    power: { setGpuLimits: async (indices, watts) => void checkGpuLimitRequest([], indices, watts) },
    close: async () => {},
  };
}

function noMiners(): Part<MinerInfo, MinerState, MinerPowerControl> {
  return {
    devices: { inventory: async () => [], sample: async () => [] },
    power: {
      setMiners: async (ids) => {
        if (ids.length) throw new WattpackError('INVALID_ARGUMENT', `no miner "${ids[0]}" on this node (miners: none)`);
      },
    },
    close: async () => {},
  };
}

/** Miner power changes only when told to: polled every 5 s, and every report interval while a request awaits confirmation. */
const MINER_POLL_MS = 5000;

/**
 * The miners of a miners file. Each command may take most of a report interval; a miner
 * slower than that is reported offline with the reason.
 */
async function openMiners(file: string, deps: HardwareDeps): Promise<Part<MinerInfo, MinerState, MinerPowerControl>> {
  const timeoutMs = Math.min(5000, Math.max(500, Math.round(deps.reportIntervalMs * 0.8)));
  const fleet = await MinerFleet.open({
    miners: loadMinersFile(file),
    pollIntervalMs: Math.max(MINER_POLL_MS, deps.reportIntervalMs),
    confirmPollIntervalMs: deps.reportIntervalMs,
    timeoutMs,
    logger: deps.logger,
  });
  fleet.start();
  return { devices: fleet, power: fleet, close: () => fleet.stop() };
}

/** A real node: its GPUs and miners; host power comes from the BMC (if any) in reports, else the site default applies. */
function nodeCollector(gpus: Devices<GpuInfo, GpuState>, miners: Devices<MinerInfo, MinerState>): Collector {
  return {
    inventory: async () => ({ gpus: await gpus.inventory(), miners: await miners.inventory(), host: await hostInfo({ idlePowerW: 0, busyPowerW: 0 }) }),
    sample: async () => {
      const [g, m] = await Promise.all([gpus.sample(), miners.sample()]);
      return { gpus: g, miners: m };
    },
  };
}
