import { neverFits, noFreeGpus } from './explain.js';
import type { QueuedJob, Waiting } from './snapshot.js';
import type { WorkingSite } from './working-site.js';

export interface Fit {
  model: string;
  positions: number[];
}

/**
 * Filter: nodes with enough free GPUs of an accepted model. A gang takes nodes of one
 * model, from as few racks as possible; every node best fit first. `skip` keeps nodes
 * out (a reservation's).
 */
export function findNodes(work: WorkingSite, job: QueuedJob, skip?: ReadonlySet<number>): Fit | Waiting {
  const models = job.gpuModels.length > 0 ? job.gpuModels : work.models;
  let best: { fit: Fit; leftover: number } | undefined;
  let mostFound = 0;
  for (const model of models) {
    // A single node: the best fit is the first candidate. A gang: look wider, to keep it in one rack.
    const candidates = work.candidates(model, job.gpus, job.nodes === 1 ? 1 : Number.MAX_SAFE_INTEGER, skip);
    mostFound = Math.max(mostFound, candidates.length);
    if (candidates.length < job.nodes) continue;
    const positions = job.nodes === 1 ? candidates : pickGang(work, candidates, job.nodes);
    const leftover = positions.reduce((sum, pos) => sum + work.freeCount(pos, model) - job.gpus, 0);
    if (!best || leftover < best.leftover) best = { fit: { model, positions }, leftover };
  }
  if (best) return best.fit;
  const capable = Math.max(0, ...models.map((m) => work.capableNodes(m, job.gpus)));
  return capable < job.nodes
    ? neverFits(job.id, job.gpus, job.nodes, job.gpuModels, capable)
    : noFreeGpus(job.id, job.gpus, job.nodes, job.gpuModels, mostFound);
}

function pickGang(work: WorkingSite, candidates: number[], nodes: number): number[] {
  const byRack = new Map<string, number[]>();
  for (const pos of candidates) {
    const rack = work.rackOf(pos);
    (byRack.get(rack) ?? byRack.set(rack, []).get(rack)!).push(pos);
  }
  for (const members of byRack.values()) if (members.length >= nodes) return members.slice(0, nodes);
  const racks = [...byRack.values()].sort((a, b) => b.length - a.length);
  return racks.flat().slice(0, nodes);
}
