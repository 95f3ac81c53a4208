import { createHash } from 'node:crypto';
import type { GpuInfo, MinerInfo } from '@wattpack/common';
import type { SimulatedProfile } from './profile.js';

/** Mutable simulated devices: the power control writes them, the collector reads them. */
export interface SimulatedHardware {
  gpus: { info: GpuInfo; limitW: number }[];
  miners: { info: MinerInfo; curtailed: boolean }[];
  /** What the server really draws besides its GPUs (its simulated BMC measures it), W. */
  host: { idleW: number; busyW: number };
  /** The server's input power at the last sample (host + GPUs), W; null before the first. */
  inputW: number | null;
}

/** What a simulated GPU server declares as its host power, and draws unless its profile says otherwise (host:IDLE/BUSY). */
export const SIM_HOST_POWER = { idlePowerW: 1000, busyPowerW: 2500 } as const;

export const S19XP = { model: 'Antminer S19 XP', powerW: 3010, hashrateThs: 140 } as const;

export function createSimulatedHardware(profile: SimulatedProfile, nodeId: string): SimulatedHardware {
  return {
    gpus: profile.gpus.map(({ model, memoryMib }, index) => ({
      info: {
        index,
        uuid: gpuUuid(nodeId, index),
        model: model.name,
        memoryMib,
        minPowerLimitW: model.minW,
        maxPowerLimitW: model.maxW,
        defaultPowerLimitW: model.maxW,
      },
      limitW: model.maxW,
    })),
    miners: Array.from({ length: profile.miners }, (_, i) => ({
      info: {
        // Node-qualified so a site-wide view never sees two miners with one id.
        id: `${nodeId}-miner-${i}`,
        model: S19XP.model,
        endpoint: `sim://${nodeId}/miner-${i}`,
        nameplatePowerW: S19XP.powerW,
        nameplateHashrateThs: S19XP.hashrateThs,
        firmware: 'simulated',
      },
      curtailed: false,
    })),
    host: profile.gpus.length === 0 ? { idleW: 0, busyW: 0 } : (profile.hostW ?? { idleW: SIM_HOST_POWER.idlePowerW, busyW: SIM_HOST_POWER.busyPowerW }),
    inputW: null,
  };
}

/** Same node id and index, same UUID: restarts of a simulated node keep their GPUs' identity. */
function gpuUuid(nodeId: string, index: number): string {
  const h = createHash('sha256').update(`${nodeId}/${index}`).digest('hex');
  return `GPU-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
