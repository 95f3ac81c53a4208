import { h200PowerCurves, interpolate, GPU_MODELS, type GpuState, type MinerState, type NodeInventory } from '@wattpack/shared';
import type { Collector } from '../collector.js';
import { hostInfo } from '../host/host.js';
import { S19XP, type SimulatedHardware } from './hardware.js';

/** Host power of a simulated GPU server (CPUs, fans, NICs, switches). */
const HOST_POWER = { idlePowerW: 1000, busyPowerW: 2500 };
/** Standby draw of a sleeping miner's control board. */
const CURTAILED_MINER_W = 10;

const jitter = (amplitude: number) => (Math.random() * 2 - 1) * amplitude;
const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Telemetry of simulated hardware. A GPU is busy while an attempt runs on it (the
 * agent tells us which); a busy GPU draws what the measured training curve says at its
 * enforced limit, an idle one about its catalog idle draw.
 */
export class SimulatedCollector implements Collector {
  constructor(
    private readonly hw: SimulatedHardware,
    private readonly busyGpus: () => ReadonlySet<number>,
  ) {}

  async inventory(): Promise<NodeInventory> {
    return {
      gpus: this.hw.gpus.map((g) => ({ ...g.info })),
      miners: this.hw.miners.map((m) => ({ ...m.info })),
      host: await hostInfo(HOST_POWER),
    };
  }

  async sample(): Promise<{ gpus: GpuState[]; miners: MinerState[] }> {
    const busy = this.busyGpus();
    const train = h200PowerCurves()['train']!;
    const gpus = this.hw.gpus.map(({ info, limitW }): GpuState => {
      const idleW = GPU_MODELS.find((m) => m.name === info.model)?.idleW ?? 100;
      const running = busy.has(info.index);
      const drawW = running ? Math.min(limitW, interpolate(train, limitW, (p) => p.meanDrawW) + jitter(2)) : idleW + jitter(5);
      return {
        index: info.index,
        powerDrawW: round1(drawW),
        enforcedLimitW: limitW,
        utilizationPct: running ? round1(95 + jitter(3)) : 0,
        temperatureC: Math.round(30 + drawW * 0.06),
        memoryUsedMib: running ? Math.round(info.memoryMib * 0.7) : 0,
        health: 'HEALTH_OK',
        healthReason: '',
      };
    });
    const miners = this.hw.miners.map(({ info, curtailed }): MinerState =>
      curtailed
        ? { id: info.id, hashrateThs: 0, powerW: CURTAILED_MINER_W, state: 'MINER_RUN_STATE_CURTAILED', reason: 'curtailed' }
        : {
            id: info.id,
            hashrateThs: round1(S19XP.hashrateThs + jitter(2)),
            powerW: Math.round(S19XP.powerW + jitter(20)),
            state: 'MINER_RUN_STATE_MINING',
            reason: '',
          },
    );
    return { gpus, miners };
  }
}
