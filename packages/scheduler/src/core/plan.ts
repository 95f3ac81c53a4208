import { neverFits, noFreeGpus, notEnoughPower } from './explain.js';
import type { Placement, Plan, QueuedJob, SiteSnapshot, Waiting } from './snapshot.js';
import { placementW } from './watts.js';
import { WorkingSite } from './working-site.js';

/**
 * The packing engine: (site snapshot, queue) -> plan. Pure: no clock, no I/O, and the
 * snapshot is not mutated. The live scheduler and the simulator both call this.
 *
 * One pass, in phases:
 *   1. order   the queue by priority, then submit time
 *   2. filter  nodes with enough free GPUs of an accepted model (gangs: one model, fewest racks)
 *   3. watts   the highest per-GPU limit within the job's policy that fits under the cap
 *   4. assign  take the GPUs and watts in the working copy, so later jobs see them gone
 * A job that does not fit waits with a reason and does not block the jobs behind it.
 */
export function plan(site: SiteSnapshot, queue: readonly QueuedJob[]): Plan {
  const work = new WorkingSite(site);
  const placements: Placement[] = [];
  const waiting: Waiting[] = [];
  // Free GPUs only shrink during a pass, so a shape that found no nodes stays unplaceable.
  const noFit = new Map<string, Omit<Waiting, 'jobId'>>();

  for (const job of orderQueue(queue)) {
    const shape = `${job.gpuModels.join('|')}/${job.gpus}/${job.nodes}`;
    const known = noFit.get(shape);
    if (known) {
      waiting.push({ jobId: job.id, ...known });
      continue;
    }
    const fit = filterNodes(work, job);
    if ('code' in fit) {
      noFit.set(shape, { code: fit.code, reason: fit.reason });
      waiting.push(fit);
      continue;
    }
    const watts = assignWatts(work, job, fit);
    if ('code' in watts) {
      waiting.push(watts);
      continue;
    }
    const nodes = fit.positions.map((pos) => work.take(pos, fit.model, job.gpus));
    work.allocatedW += watts.facilityW;
    placements.push({ jobId: job.id, nodes, powerLimitW: watts.limitW, facilityW: watts.facilityW });
  }
  return { placements, waiting, allocatedW: work.allocatedW, budgetW: work.budgetW };
}

/** Phase 1. Callers usually keep the queue in order already; then this costs one scan. */
export function orderQueue(queue: readonly QueuedJob[]): readonly QueuedJob[] {
  for (let i = 1; i < queue.length; i++) {
    if (compareJobs(queue[i - 1]!, queue[i]!) > 0) return [...queue].sort(compareJobs);
  }
  return queue;
}

export function compareJobs(a: QueuedJob, b: QueuedJob): number {
  return b.priority - a.priority || a.submittedAt - b.submittedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

interface Fit {
  model: string;
  positions: number[];
}

/** Phase 2. */
function filterNodes(work: WorkingSite, job: QueuedJob): Fit | Waiting {
  const models = job.gpuModels.length > 0 ? job.gpuModels : work.models;
  let best: { fit: Fit; leftover: number } | undefined;
  let mostFound = 0;
  for (const model of models) {
    // A single node: the best fit is the first candidate. A gang: look wider, to keep it in one rack.
    const candidates = work.candidates(model, job.gpus, job.nodes === 1 ? 1 : Number.MAX_SAFE_INTEGER);
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

/** Gang nodes from as few racks as possible, best-fit order within each rack. */
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

/** Phase 3: the highest per-GPU limit in [floor, want] whose watts fit under the cap. */
function assignWatts(work: WorkingSite, job: QueuedJob, fit: Fit): { limitW: number; facilityW: number } | Waiting {
  const picks = fit.positions.map((pos) => work.peek(pos, fit.model, job.gpus));
  const gpus = picks.flatMap((p) => p.gpus);
  const hostW = picks.reduce((sum, p) => sum + p.hostTurnsBusyW, 0);
  const freeW = work.budgetW - work.allocatedW;
  if (gpus.length === 0) {
    const facilityW = work.pue * hostW;
    return facilityW <= freeW ? { limitW: 0, facilityW } : notEnoughPower(job.id, facilityW, freeW);
  }
  const gpuMin = Math.max(...gpus.map((g) => g.minW));
  const gpuMax = Math.min(...gpus.map((g) => g.maxW));
  const clamp = (w: number) => Math.min(gpuMax, Math.max(gpuMin, w));
  const want = clamp(job.maxW ?? gpuMax);
  // No minimum in the policy means the job is not to be capped below its maximum.
  const floor = Math.min(want, clamp(job.minW ?? want));
  const need = (limitW: number) => placementW(work.pue, gpus, limitW, hostW);

  if (need(want) <= freeW) return { limitW: want, facilityW: need(want) };
  const idleW = gpus.reduce((sum, g) => sum + g.idleW, 0);
  const fitting = Math.floor((freeW / work.pue - hostW + idleW) / gpus.length);
  if (fitting >= floor) return { limitW: fitting, facilityW: need(fitting) };
  return notEnoughPower(job.id, need(floor), freeW);
}
