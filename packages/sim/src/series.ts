/** One point of the chart: means over [tS, tS + widthS). */
export interface SeriesPoint {
  tS: number;
  gpuServersMw: number;
  minersMw: number;
  capMw: number;
  queued: number;
}

const FIELDS = 4;

/**
 * Time-weighted means of facility power (GPU servers, miners), the cap and the queue
 * length in fixed-width bins. Streams: when the bins run out, pairs merge and the width
 * doubles, so memory stays bounded whatever the horizon.
 */
export class Series {
  private widthS: number;
  private sums: Float64Array;
  private covered: Float64Array;
  private used = 0;

  constructor(
    startWidthS: number,
    private readonly maxBins = 4096,
  ) {
    this.widthS = startWidthS;
    this.sums = new Float64Array(maxBins * FIELDS);
    this.covered = new Float64Array(maxBins);
  }

  /** Adds constant values over [t0, t1). */
  add(t0: number, t1: number, gpuServersW: number, minersW: number, capW: number, queued: number): void {
    while (t0 < t1) {
      let b = Math.floor(t0 / this.widthS);
      while (b >= this.maxBins) {
        this.halve();
        b = Math.floor(t0 / this.widthS);
      }
      const end = Math.min(t1, (b + 1) * this.widthS);
      const dt = end - t0;
      if (dt <= 0) break;
      const o = b * FIELDS;
      this.sums[o] = this.sums[o]! + gpuServersW * dt;
      this.sums[o + 1] = this.sums[o + 1]! + minersW * dt;
      this.sums[o + 2] = this.sums[o + 2]! + capW * dt;
      this.sums[o + 3] = this.sums[o + 3]! + queued * dt;
      this.covered[b] = this.covered[b]! + dt;
      if (b + 1 > this.used) this.used = b + 1;
      t0 = end;
    }
  }

  /** At most `maxPoints` points (bins merged in pairs until they fit). */
  points(maxPoints = 2000): SeriesPoint[] {
    while (this.used > maxPoints) this.halve();
    const out: SeriesPoint[] = [];
    for (let b = 0; b < this.used; b++) {
      const dt = this.covered[b]!;
      if (dt <= 0) continue;
      const o = b * FIELDS;
      out.push({
        tS: b * this.widthS,
        gpuServersMw: this.sums[o]! / dt / 1e6,
        minersMw: this.sums[o + 1]! / dt / 1e6,
        capMw: this.sums[o + 2]! / dt / 1e6,
        queued: this.sums[o + 3]! / dt,
      });
    }
    return out;
  }

  private halve(): void {
    const half = Math.ceil(this.used / 2);
    for (let b = 0; b < half; b++) {
      for (let f = 0; f < FIELDS; f++) {
        this.sums[b * FIELDS + f] = (this.sums[2 * b * FIELDS + f] ?? 0) + (this.sums[(2 * b + 1) * FIELDS + f] ?? 0);
      }
      this.covered[b] = (this.covered[2 * b] ?? 0) + (this.covered[2 * b + 1] ?? 0);
    }
    this.sums.fill(0, half * FIELDS);
    this.covered.fill(0, half);
    this.used = half;
    this.widthS *= 2;
  }
}

/** Merges neighbouring points (equal-width bins) until at most `max` remain. */
export function downsample(points: readonly SeriesPoint[], max: number): SeriesPoint[] {
  let out = [...points];
  while (out.length > max) {
    const next: SeriesPoint[] = [];
    for (let i = 0; i < out.length; i += 2) {
      const a = out[i]!;
      const b = out[i + 1];
      if (!b) {
        next.push(a);
        continue;
      }
      next.push({
        tS: a.tS,
        gpuServersMw: (a.gpuServersMw + b.gpuServersMw) / 2,
        minersMw: (a.minersMw + b.minersMw) / 2,
        capMw: (a.capMw + b.capMw) / 2,
        queued: (a.queued + b.queued) / 2,
      });
    }
    out = next;
  }
  return out;
}
