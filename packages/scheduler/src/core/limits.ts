import type { CurvePoint } from '@wattpack/common/daemon';

/**
 * What a power limit costs a job: relative throughput from a measured curve (the H200's,
 * packages/common/data/h200-power-curve.csv), scaled to a GPU's own max limit.
 * Pure arithmetic on a sorted point list: the core imports no I/O.
 */
export class ThroughputCurve {
  private static readonly made = new WeakMap<readonly CurvePoint[], ThroughputCurve>();
  private readonly refMaxW: number;
  /** efficientLimit's answers: a pure function of its arguments, asked again every pass. */
  private readonly efficient = new Map<string, number>();
  /** What the curve's workload draws unconstrained (at its top limit). */
  private readonly refDrawW: number;

  constructor(private readonly points: readonly CurvePoint[]) {
    if (points.length === 0) throw new Error('a throughput curve needs points');
    const top = points[points.length - 1]!;
    this.refMaxW = top.limitW;
    this.refDrawW = top.meanDrawW > 0 ? top.meanDrawW : top.limitW;
  }

  /** One curve per list of points, kept while the policy that holds the points lives. */
  static of(points: readonly CurvePoint[]): ThroughputCurve {
    let curve = ThroughputCurve.made.get(points);
    if (!curve) ThroughputCurve.made.set(points, (curve = new ThroughputCurve(points)));
    return curve;
  }

  /**
   * Relative throughput of a job measured to draw `demandW` unconstrained: the curve
   * compressed onto its own demand (a job drawing 470 W loses nothing at 500 W and
   * behaves at 400 W as the workload does at 400 x 648 / 470 W). Without a measure, the
   * job is assumed to want its GPU's max.
   */
  forJob(limitW: number, maxW: number, demandW?: number): number {
    return demandW === undefined ? this.at(limitW, maxW) : this.at(limitW, Math.min(maxW, (demandW * this.refMaxW) / this.refDrawW));
  }

  /** Relative throughput (1 at max) of a GPU whose max limit is `maxW`, run at `limitW`. */
  at(limitW: number, maxW: number): number {
    const x = (limitW * this.refMaxW) / maxW;
    const pts = this.points;
    const first = pts[0]!;
    if (x <= first.limitW) return Math.max(0, first.relativeThroughput * (x / first.limitW));
    for (let i = 1; i < pts.length; i++) {
      const hi = pts[i]!;
      if (x <= hi.limitW) {
        const lo = pts[i - 1]!;
        return lo.relativeThroughput + ((x - lo.limitW) / (hi.limitW - lo.limitW)) * (hi.relativeThroughput - lo.relativeThroughput);
      }
    }
    return pts[pts.length - 1]!.relativeThroughput;
  }

  /**
   * The per-GPU limit that does most work per node watt on a full node (host power does
   * not scale with GPU limits, which moves the optimum up). Below it, capping harder
   * wastes watts on hosts; it is the floor wattpack lowers flexible jobs to.
   */
  efficientLimit(minW: number, maxW: number, gpusPerNode: number, hostBusyW: number, stepW = 25): number {
    const key = `${minW}/${maxW}/${gpusPerNode}/${hostBusyW}/${stepW}`;
    let best = this.efficient.get(key);
    if (best === undefined) this.efficient.set(key, (best = this.searchEfficient(minW, maxW, gpusPerNode, hostBusyW, stepW)));
    return best;
  }

  private searchEfficient(minW: number, maxW: number, gpusPerNode: number, hostBusyW: number, stepW: number): number {
    let best = maxW;
    let bestRatio = 0;
    for (let w = maxW; w >= minW; w -= stepW) {
      const ratio = (gpusPerNode * this.at(w, maxW)) / (gpusPerNode * w + hostBusyW);
      if (ratio > bestRatio + 1e-12) {
        bestRatio = ratio;
        best = w;
      }
    }
    return best;
  }
}
