import { h200PowerCurves, interpolate, type CurvePoint } from '@wattpack/shared';

/** Workload shapes measured on the H200 (packages/shared/data/h200-power-curve.csv). */
export const SHAPES = ['gemm', 'train', 'copy'] as const;
export type Shape = (typeof SHAPES)[number];
export type WorkloadMix = Record<Shape, number>;

/** The H200's maximum limit: the curve's top point. Other models' limits are scaled onto it. */
export const CURVE_MAX_W = 700;

/** FNV-1a of a string, as a fraction in [0, 1): the same job id always draws the same shape. */
export function hashFraction(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // One more mixing round: sequential ids differ only in their last characters.
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 2 ** 32;
}

/** Index into SHAPES, drawn from the mix by the job's id. */
export function pickShape(id: string, mix: WorkloadMix): number {
  const u = hashFraction(id);
  let acc = 0;
  for (let i = 0; i < SHAPES.length; i++) {
    acc += mix[SHAPES[i]!];
    if (u < acc) return i;
  }
  // Rounding: the mix sums to 1 within 1e-6.
  for (let i = SHAPES.length - 1; i >= 0; i--) if (mix[SHAPES[i]!] > 0) return i;
  return 0;
}

let curves: CurvePoint[][] | undefined;

/**
 * Relative throughput (1 at full power) of a job of shape `shape` on a GPU whose maximum
 * limit is `modelMaxW`, running at `limitW`: the H200 curve at limitW × 700 / modelMaxW.
 */
export function relativeSpeed(shape: number, limitW: number, modelMaxW: number): number {
  curves ??= SHAPES.map((s) => {
    const points = h200PowerCurves()[s];
    if (!points?.length) throw new Error(`power curve: no "${s}" workload`);
    return points;
  });
  if (limitW >= modelMaxW) return 1;
  return interpolate(curves[shape]!, (limitW * CURVE_MAX_W) / modelMaxW, (p) => p.relativeThroughput);
}
