import type { GpuView, NodeView, QueuedJob, SiteSnapshot } from '../core/snapshot.js';

/** Builders for sites and queues: tests, benchmarks and demos share them. */

export interface SiteShape {
  nodes: number;
  gpusPerNode?: number;
  model?: string;
  racks?: number;
  capW?: number;
  pue?: number;
  reserveFraction?: number;
  hostIdleW?: number;
  hostBusyW?: number;
  minersPerNode?: number;
}

export function buildGpu(index: number, model = 'H100', extra: Partial<GpuView> = {}): GpuView {
  return { index, model, minW: 200, maxW: 700, idleW: 110, ...extra };
}

export function buildSite(shape: SiteShape): SiteSnapshot {
  const { nodes, gpusPerNode = 8, model = 'H100', racks = Math.max(1, Math.ceil(nodes / 8)) } = shape;
  const views: NodeView[] = [];
  for (let i = 0; i < nodes; i++) {
    views.push({
      id: `n${i}`,
      labels: { rack: `r${i % racks}` },
      schedulable: true,
      hostIdleW: shape.hostIdleW ?? 1000,
      hostBusyW: shape.hostBusyW ?? 2500,
      gpus: Array.from({ length: gpusPerNode }, (_, g) => buildGpu(g, model)),
      miners: Array.from({ length: shape.minersPerNode ?? 0 }, (_, m) => ({ id: `n${i}-m${m}`, nameplateW: 3010, curtailed: false })),
    });
  }
  return { now: 0, capW: shape.capW ?? 18e6, pue: shape.pue ?? 1.2, reserveFraction: shape.reserveFraction ?? 0.02, nodes: views, running: [] };
}

let seq = 0;
export function buildJob(extra: Partial<QueuedJob> = {}): QueuedJob {
  seq++;
  return { id: `j${String(seq).padStart(7, '0')}`, team: 'default', priority: 100, submittedAt: seq, gpus: 1, nodes: 1, gpuModels: [], ...extra };
}
export { startPostgres, type LocalPostgres } from '../accounting/postgres-server.js';
