import { WattpackError, type GpuInfo } from '@wattpack/common/daemon';

export type MinerAction = 'curtail' | 'resume';

export interface GpuPowerControl {
  /** Sets each GPU's power limit; `watts` 0 restores each GPU's default limit. */
  setGpuLimits(indices: number[], watts: number): Promise<void>;
}

export interface MinerPowerControl {
  setMiners(ids: string[], action: MinerAction): Promise<void>;
}

/** Applies power decisions to hardware; deciding them is the scheduler's job. */
export type PowerControl = GpuPowerControl & MinerPowerControl;

/**
 * The GPUs a limit request names, after checking that they exist and that the limit is
 * within each one's range, so that a bad request changes nothing.
 */
export function checkGpuLimitRequest(gpus: readonly GpuInfo[], indices: readonly number[], watts: number): GpuInfo[] {
  const found = indices.map((index) => {
    const gpu = gpus.find((g) => g.index === index);
    if (!gpu) throw new WattpackError('INVALID_ARGUMENT', `no GPU ${index} on this node (GPUs: ${describeIndices(gpus)})`);
    return gpu;
  });
  if (!Number.isFinite(watts) || watts < 0) throw new WattpackError('INVALID_ARGUMENT', `power limit ${watts} W is not a number of watts`);
  for (const info of found) {
    if (watts !== 0 && (watts < info.minPowerLimitW || watts > info.maxPowerLimitW)) {
      throw new WattpackError(
        'INVALID_ARGUMENT',
        `power limit ${watts} W for GPU ${info.index} (${info.model}) must be between ${info.minPowerLimitW} W and ${info.maxPowerLimitW} W (0 restores the default)`,
      );
    }
  }
  return found;
}

function describeIndices(gpus: readonly GpuInfo[]): string {
  const ix = gpus.map((g) => g.index);
  if (ix.length === 0) return 'none';
  const contiguous = ix.every((v, i) => v === ix[0]! + i);
  return contiguous && ix.length > 1 ? `${ix[0]}-${ix.at(-1)}` : ix.join(', ');
}
