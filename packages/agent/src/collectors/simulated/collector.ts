import { h200PowerCurves, interpolate, GPU_MODELS, type GpuState, type MinerState, type NodeInventory } from '@wattpack/common/daemon';
import type { Collector } from '../collector.js';
import { hostInfo } from '../host/host.js';
import { S19XP, SIM_HOST_POWER, type SimulatedHardware } from './hardware.js';

/** Host power of a simulated GPU server (CPUs, fans, NICs, switches). */
/** Standby draw of a sleeping miner's control board. */
const CURTAILED_MINER_W = 10;

const jitter = (amplitude: number) => (Math.random() * 2 - 1) * amplitude;
const round1 = (x: number) => Math.round(x * 10) / 10;

/** Start-command env of a simulated job: the watts each of its GPUs would draw without a limit. */
const SIM_DRAW_ENV = 'WATTPACK_SIM_DRAW_W';
/** A GPU whose demand is within 2 % of its limit counts as held back by it, as a real one at its cap would. */
const CAPPED_WITHIN = 0.98;

/**
 * Telemetry of simulated hardware. A GPU is busy while an attempt runs on it (the
 * agent tells us which, with the attempt's env); a busy GPU draws what the attempt
 * declares in WATTPACK_SIM_DRAW_W, or else what the measured training curve says at its
 * enforced limit, never above the limit; an idle one about its catalog idle draw. Jobs
 * that declare a draw below their limit let tests and demos show right-sizing.
 */
export class SimulatedCollector implements Collector {
  constructor(
    private readonly hw: SimulatedHardware,
    private readonly busyGpus: () => ReadonlyMap<number, Readonly<Record<string, string>>>,
  ) {}

  async inventory(): Promise<NodeInventory> {
    return {
      gpus: this.hw.gpus.map((g) => ({ ...g.info })),
      miners: this.hw.miners.map((m) => ({ ...m.info })),
      host: await hostInfo(SIM_HOST_POWER),
    };
  }

  async sample(): Promise<{ gpus: GpuState[]; miners: MinerState[] }> {
    const busy = this.busyGpus();
    const train = h200PowerCurves()['train']!;
    const gpus = this.hw.gpus.map(({ info, limitW }): GpuState => {
      const idleW = GPU_MODELS.find((m) => m.name === info.model)?.idleW ?? 100;
      const env = busy.get(info.index);
      const running = env !== undefined;
      const declaredW = Number(env?.[SIM_DRAW_ENV]);
      const demandW = declaredW > 0 ? declaredW : interpolate(train, limitW, (p) => p.meanDrawW);
      const drawW = running ? Math.min(limitW, Math.min(limitW, demandW) + jitter(2)) : idleW + jitter(5);
      return {
        index: info.index,
        powerDrawW: round1(drawW),
        enforcedLimitW: limitW,
        utilizationPct: running ? round1(95 + jitter(3)) : 0,
        temperatureC: Math.round(30 + drawW * 0.06),
        memoryUsedMib: running ? Math.round(info.memoryMib * 0.7) : 0,
        health: 'HEALTH_OK',
        healthReason: '',
        powerCapped: running && demandW >= limitW * CAPPED_WITHIN,
      };
    });
    // What the simulated BMC measures: the host (busy while any GPU runs a job) and every GPU.
    const hostW = busy.size > 0 ? this.hw.host.busyW : this.hw.host.idleW;
    this.hw.inputW = hostW + gpus.reduce((sum, g) => sum + (g.powerDrawW ?? 0), 0);
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
