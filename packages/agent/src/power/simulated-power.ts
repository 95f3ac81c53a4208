import { WattpackError } from '@wattpack/shared';
import type { SimulatedHardware } from '../collectors/simulated/hardware.js';
import type { MinerAction, PowerControl } from './power-control.js';

/** Power control of simulated hardware: validates everything first, so a bad request changes nothing. */
export class SimulatedPowerControl implements PowerControl {
  constructor(private readonly hw: SimulatedHardware) {}

  async setGpuLimits(indices: number[], watts: number): Promise<void> {
    const gpus = indices.map((index) => {
      const gpu = this.hw.gpus[index];
      if (!gpu) throw new WattpackError('INVALID_ARGUMENT', `no GPU ${index} on this node (GPUs: ${describeIndices(this.hw.gpus.length)})`);
      return gpu;
    });
    if (!Number.isFinite(watts) || watts < 0) throw new WattpackError('INVALID_ARGUMENT', `power limit ${watts} W is not a number of watts`);
    for (const { info } of gpus) {
      if (watts !== 0 && (watts < info.minPowerLimitW || watts > info.maxPowerLimitW)) {
        throw new WattpackError(
          'INVALID_ARGUMENT',
          `power limit ${watts} W for GPU ${info.index} (${info.model}) must be between ${info.minPowerLimitW} W and ${info.maxPowerLimitW} W (0 restores the default)`,
        );
      }
    }
    for (const gpu of gpus) gpu.limitW = watts === 0 ? gpu.info.defaultPowerLimitW : watts;
  }

  async setMiners(ids: string[], action: MinerAction): Promise<void> {
    const miners = ids.map((id) => {
      const miner = this.hw.miners.find((m) => m.info.id === id);
      if (!miner) {
        const known = this.hw.miners.map((m) => m.info.id).join(', ') || 'none';
        throw new WattpackError('INVALID_ARGUMENT', `no miner "${id}" on this node (miners: ${known})`);
      }
      return miner;
    });
    for (const miner of miners) miner.curtailed = action === 'curtail';
  }
}

const describeIndices = (count: number) => (count === 0 ? 'none' : `0-${count - 1}`);
