export type MinerAction = 'curtail' | 'resume';

/** Applies power decisions to hardware; deciding them is the scheduler's job. */
export interface PowerControl {
  /** Sets each GPU's power limit; `watts` 0 restores each GPU's default limit. */
  setGpuLimits(indices: number[], watts: number): Promise<void>;
  setMiners(ids: string[], action: MinerAction): Promise<void>;
}
