import { readAsset } from '../build/assets.js';

/**
 * Measured per-GPU power in two LLM clusters (Acme 2023, Seren and Kalos, A100 SXM):
 * data/acme-gpu-power-*-cdf.csv, copies of Acme 2023 (packages/common/data/README.md). Each is a CDF
 * (percentile -> W) over all samples; its top value is what those GPUs draw at most.
 */
export interface PowerCdf {
  cluster: string;
  percent: Float64Array;
  watts: Float64Array;
  maxW: number;
}

export function parsePowerCdf(cluster: string, csv: string): PowerCdf {
  const rows = csv
    .split('\n')
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => l.split(',').map(Number));
  if (rows.length < 2 || rows.some((r) => r.length < 2 || r.some((x) => !Number.isFinite(x)))) throw new Error(`acme ${cluster}: not a CDF of (cdf_percent, watts) rows`);
  const watts = Float64Array.from(rows, (r) => r[1]!);
  return { cluster, percent: Float64Array.from(rows, (r) => r[0]!), watts, maxW: Math.max(...watts) };
}

let cdfs: PowerCdf[] | undefined;
export function acmeGpuPowerCdfs(): PowerCdf[] {
  cdfs ??= ['seren', 'kalos'].map((c) => parsePowerCdf(c, readAsset(`packages/common/data/acme-gpu-power-${c}-cdf.csv`)));
  return cdfs;
}

/** The draw at quantile u (0-1) as a share of the cluster's highest draw: a job's draw level. */
export function drawLevel(cdf: PowerCdf, u: number): number {
  const p = Math.min(100, Math.max(0, u * 100));
  let lo = 0;
  let hi = cdf.percent.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (cdf.percent[mid]! <= p) lo = mid;
    else hi = mid;
  }
  const span = cdf.percent[hi]! - cdf.percent[lo]!;
  const w = span > 0 ? cdf.watts[lo]! + ((p - cdf.percent[lo]!) / span) * (cdf.watts[hi]! - cdf.watts[lo]!) : cdf.watts[lo]!;
  return w / cdf.maxW;
}
