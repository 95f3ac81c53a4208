import { WattpackError } from '@wattpack/common/daemon';
import type { SimulatedHardware } from '../collectors/simulated/hardware.js';
import { checkGpuLimitRequest, type MinerAction, type PowerControl } from './power-control.js';

/** Power control of simulated hardware: validates everything first, so a bad request changes nothing. */
export class SimulatedPowerControl implements PowerControl {
  constructor(private readonly hw: SimulatedHardware) {}

  async setGpuLimits(indices: number[], watts: number): Promise<void> {
    checkGpuLimitRequest(
      this.hw.gpus.map((g) => g.info),
      indices,
      watts,
    );
    for (const index of indices) {
      const gpu = this.hw.gpus[index]!;
      gpu.limitW = watts === 0 ? gpu.info.defaultPowerLimitW : watts;
    }
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
