import type { AttemptState, GpuState } from '@wattpack/common';

export type AttemptPower = Pick<AttemptState, 'maxDrawW' | 'enforcedLimitW' | 'powerCapped'>;

/**
 * An attempt's power over its GPUs: the hottest one's draw and the highest enforced
 * limit (a job's GPUs share one limit, so its hottest GPU sizes it), and whether any is
 * held back by its limit. A value no GPU reports is absent, never 0 or false.
 */
export function attemptPower(gpuIndices: readonly number[], gpus: readonly GpuState[]): AttemptPower {
  const mine = gpus.filter((g) => gpuIndices.includes(g.index));
  const draws = known(mine.map((g) => g.powerDrawW));
  const limits = known(mine.map((g) => g.enforcedLimitW));
  const capped = known(mine.map((g) => g.powerCapped));
  const power: AttemptPower = {};
  if (draws.length) power.maxDrawW = Math.max(...draws);
  if (limits.length) power.enforcedLimitW = Math.max(...limits);
  if (capped.length) power.powerCapped = capped.includes(true);
  return power;
}

const known = <T>(values: (T | undefined)[]): T[] => values.filter((v): v is T => v !== undefined);
