import type { ThroughputCurve } from './limits.js';

/**
 * Flexibility classes (docs/scheduling.md, "Flexibility"): the share of throughput, in %,
 * a job tolerates losing when the site sheds. Unset: the job's power range alone bounds it.
 */
export const FLEX_CLASSES = [0, 10, 25, 50] as const;
export type FlexClass = (typeof FLEX_CLASSES)[number];

/**
 * The lowest limit (W, within [floor, topW]) at which a job keeps (1 - flex/100) of the
 * throughput it has at `topW`, its unconstrained limit, by the measured curve compressed
 * onto its measured draw (a job drawing below its limit loses nothing until the limit
 * reaches its draw).
 */
export function toleranceFloor(curve: ThroughputCurve, flex: number, floor: number, topW: number, gpuMaxW: number, demandW?: number): number {
  if (topW <= floor) return topW;
  const keep = (1 - flex / 100) * curve.forJob(topW, gpuMaxW, demandW) - 1e-9;
  if (curve.forJob(floor, gpuMaxW, demandW) >= keep) return floor;
  let lo = floor;
  let hi = topW;
  // Throughput rises with the limit: the first limit that keeps enough.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (curve.forJob(mid, gpuMaxW, demandW) >= keep) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Shedding takes the most flexible first; jobs of no class after the classed flexible ones; flex 0 never. */
export const SHED_ORDER: readonly (number | undefined)[] = [50, 25, 10, undefined];

/**
 * Which running job is checkpointed first when limits were not enough: the same order,
 * then flex 0 last, so a flex-0 job is never stopped while a more flexible one runs.
 */
export const preemptRank = (flex: number | undefined): number => flex ?? 5;
