import { acmeGpuPowerCdfs, drawLevel, h200PowerCurves, interpolate, type CurvePoint } from '@wattpack/common';

/** Workload shapes measured on the H200 (packages/common/data/h200-power-curve.csv). */
export const SHAPES = ['gemm', 'train', 'copy'] as const;
export type Shape = (typeof SHAPES)[number];
export type WorkloadMix = Record<Shape, number>;

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

/** A job's flexibility class, drawn from the mix by its id (-1: the mix is unset, no class). */
export function pickFlex(id: string, mix: Record<string, number> | undefined): number {
  if (!mix) return -1;
  const u = hashFraction(`${id}#flex`);
  const classes = Object.keys(mix).map(Number).sort((a, b) => a - b);
  let acc = 0;
  for (const c of classes) {
    acc += mix[String(c)]!;
    if (u < acc) return c;
  }
  // Rounding: the mix sums to 1 within 1e-6.
  return classes.filter((c) => mix[String(c)]! > 0).at(-1) ?? -1;
}

/**
 * A job's draw level: the share of its shape's full draw it draws unconstrained, drawn by
 * its id from the Acme clusters' measured per-GPU power (one of the two clusters, then a
 * quantile, over that cluster's highest draw).
 */
export function pickDrawLevel(id: string): number {
  const cdfs = acmeGpuPowerCdfs();
  return drawLevel(cdfs[Math.floor(hashFraction(`${id}#cluster`) * cdfs.length)]!, hashFraction(`${id}#draw`));
}

let curves: CurvePoint[][] | undefined;

function shapeCurve(shape: number): CurvePoint[] {
  curves ??= SHAPES.map((s) => {
    const points = h200PowerCurves()[s];
    if (!points?.length) throw new Error(`power curve: no "${s}" workload`);
    return points;
  });
  return curves[shape]!;
}

/**
 * Relative throughput (1 unconstrained) of a job of shape `shape` that draws `demandW`
 * unconstrained, running at `limitW`: the shape's H200 curve compressed onto the job's
 * own demand (the H200 curve at limitW x the shape's top draw / demandW), so a job
 * loses nothing at a limit above its demand.
 */
export function relativeSpeed(shape: number, limitW: number, demandW: number): number {
  const points = shapeCurve(shape);
  const top = points[points.length - 1]!;
  const x = (limitW * top.meanDrawW) / demandW;
  return x >= top.limitW ? 1 : interpolate(points, x, (p) => p.relativeThroughput);
}

/**
 * What a job draws unconstrained on a GPU whose max is `maxW`: its level times what its
 * shape draws at full power (a copy job at level 1 draws 470 of 700 W), at least idle.
 */
export function demandW(shape: number, level: number, maxW: number, idleW: number): number {
  const top = shapeCurve(shape).at(-1)!;
  return Math.max(idleW, (level * maxW * top.meanDrawW) / top.limitW);
}
