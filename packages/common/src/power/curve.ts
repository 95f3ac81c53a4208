import { readAsset } from '../build/assets.js';

/**
 * Measured throughput against GPU power limit (data/h200-power-curve.csv, a copy of
 * packages/common/data/h200-power-curve.csv: one H200, three workload shapes).
 */
export interface CurvePoint {
  limitW: number;
  meanDrawW: number;
  relativeThroughput: number;
}

export type PowerCurves = Record<string, CurvePoint[]>;

export function parsePowerCurves(csv: string): PowerCurves {
  const lines = csv.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const header = lines.shift()?.split(',') ?? [];
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`power curve: missing column ${name}`);
    return i;
  };
  const [w, l, d, t] = [col('workload'), col('power_limit_w'), col('mean_draw_w'), col('relative_throughput')];
  const curves: PowerCurves = {};
  for (const line of lines) {
    const cells = line.split(',');
    const point = { limitW: Number(cells[l]), meanDrawW: Number(cells[d]), relativeThroughput: Number(cells[t]) };
    if (Object.values(point).some((v) => !Number.isFinite(v))) throw new Error(`power curve: bad row "${line}"`);
    (curves[cells[w]!] ??= []).push(point);
  }
  for (const points of Object.values(curves)) points.sort((a, b) => a.limitW - b.limitW);
  return curves;
}

let h200: PowerCurves | undefined;
export function h200PowerCurves(): PowerCurves {
  h200 ??= parsePowerCurves(readAsset('packages/common/data/h200-power-curve.csv'));
  return h200;
}

/** Linear interpolation on a curve, clamped to its ends; `scale` maps another model's max limit onto the H200's. */
export function interpolate(points: CurvePoint[], limitW: number, pick: (p: CurvePoint) => number): number {
  const first = points[0]!;
  const last = points[points.length - 1]!;
  if (limitW <= first.limitW) return pick(first) * (limitW / first.limitW);
  if (limitW >= last.limitW) return pick(last);
  for (let i = 1; i < points.length; i++) {
    const hi = points[i]!;
    if (limitW <= hi.limitW) {
      const lo = points[i - 1]!;
      const f = (limitW - lo.limitW) / (hi.limitW - lo.limitW);
      return pick(lo) + f * (pick(hi) - pick(lo));
    }
  }
  return pick(last);
}
