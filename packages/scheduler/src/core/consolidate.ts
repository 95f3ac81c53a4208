import { findNodes } from './fit.js';
import type { Pass } from './pass.js';
import type { RunningJob } from './snapshot.js';
import type { WorkingSite } from './working-site.js';

/**
 * Consolidation while shedding (docs/scheduling.md, "Consolidation"), Kubernetes'
 * descheduler in one pass: a server with a few small jobs pays its whole busy host for
 * them, so over the cap, after miners and idle servers and before any limit is lowered,
 * the jobs of the lightest servers are checkpointed and requeued when free GPUs of the
 * same model on busy servers that stay on can take them. The emptied server then idles
 * and goes off (the next pass sheds it, or its idle timer); the moved jobs start again on
 * the free GPUs in a later pass. The pass counts the worst of the states in between: the
 * movers on their new GPUs at their limits already, the emptied server still on and idle
 * (its standby is the next pass's saving), so the site stays under the cap throughout.
 *
 * A move stops a job for its checkpoint and restart, so it counts as stopping: flex-0 jobs
 * and jobs that may not be preempted never move, and neither do gangs (one move would
 * stop every node of one). A job moves at most once per consolidateAfterS (it must have
 * run that long since its last start, Slurm's PreemptExemptTime), so nothing thrashes.
 */
export function consolidate(pass: Pass): void {
  const afterS = pass.policy.powerSaving?.consolidateAfterS;
  const { work } = pass;
  if (afterS === undefined || !pass.wattpack || work.allocatedW <= work.budgetW) return;
  const { sources, busy } = lightServers(pass, afterS);
  // Moved jobs go only to servers that stay on and busy: never to an idle one, never to a source.
  const skip = new Set<number>();
  for (let pos = 0; pos < work.nodeCount; pos++) if (!busy.has(pos)) skip.add(pos);
  // A server that took movers in this pass stays: its jobs are not moved again.
  const took = new Set<number>();
  for (const { pos, jobs } of sources) {
    if (work.allocatedW <= work.budgetW) return;
    if (took.has(pos)) continue;
    skip.add(pos);
    const moves = planMoves(work.clone(), pos, jobs, skip);
    if (!moves) {
      skip.delete(pos);
      continue;
    }
    apply(work, pos, jobs, moves);
    for (const m of moves) took.add(m.to);
    const off = work.nodeId(pos);
    for (const r of jobs) {
      pass.preempting.add(r.id);
      pass.preemptions.push({ jobId: r.id, code: 'consolidate', reason: `checkpointed to move off ${off}, which then powers off (the site sheds load)` });
    }
  }
}

interface Source {
  pos: number;
  jobs: RunningJob[];
  gpus: number;
}

/**
 * Servers whose every job may move, fewest busy GPUs first (the most watts per GPU
 * moved), and the positions of every busy server. A server may go off only as power
 * saving allows: schedulable, not excluded, not the backfill reservation's.
 */
function lightServers(pass: Pass, afterS: number): { sources: Source[]; busy: Set<number> } {
  const { work, site } = pass;
  const ps = pass.policy.powerSaving!;
  const byPos = new Map<number, Source>();
  const pinned = new Set<number>();
  const busy = new Set<number>();
  for (const r of site.running) {
    const positions = work.nodesOf(r.id);
    const movable = r.nodes === 1 && r.preemptible && !r.stopping && r.flex !== 0 && !pass.preempting.has(r.id) && site.now - r.startedAt >= afterS * 1000;
    for (const pos of positions) {
      busy.add(pos);
      if (!movable) pinned.add(pos);
      else {
        const s = byPos.get(pos) ?? byPos.set(pos, { pos, jobs: [], gpus: 0 }).get(pos)!;
        s.jobs.push(r);
        s.gpus += r.gpus;
      }
    }
  }
  const reserved = pass.reservation?.positions;
  const sources = [...byPos.values()].filter(({ pos }) => {
    const { view, power } = work.nodeState(pos);
    return !pinned.has(pos) && power === 'on' && view.schedulable && !ps.excludeNodes.has(view.id) && !reserved?.has(pos);
  });
  return { sources: sources.sort((a, b) => a.gpus - b.gpus || a.pos - b.pos), busy };
}

interface Move {
  jobId: string;
  to: number;
  model: string;
  gpus: number;
  limitW: number;
}

/**
 * Where each job of the server at `pos` would go, largest first, best fit, on a what-if
 * copy; undefined when one finds no room or the move would not save watts.
 */
function planMoves(what: WorkingSite, pos: number, jobs: readonly RunningJob[], skip: ReadonlySet<number>): Move[] | undefined {
  const before = what.allocatedW;
  const models = new Map(jobs.map((r) => [r.id, what.boundsOf(r.id)?.model]));
  const moves: Move[] = [];
  for (const r of jobs) what.release(r.id);
  for (const r of [...jobs].sort((a, b) => b.gpus - a.gpus || (a.id < b.id ? -1 : 1))) {
    const model = models.get(r.id);
    if (!model) return undefined;
    const fit = findNodes(what, { id: r.id, team: r.team, priority: r.priority, submittedAt: 0, gpus: r.gpus, nodes: 1, gpuModels: [model] }, skip);
    if ('code' in fit) return undefined;
    const move = { jobId: r.id, to: fit.positions[0]!, model, gpus: r.gpus, limitW: r.powerLimitW };
    what.take(move.jobId, move.to, model, move.gpus, move.limitW);
    moves.push(move);
  }
  return what.allocatedW < before ? moves : undefined;
}

/** The moves in the pass's own copy: the same takes in the same order pick the same GPUs. */
function apply(work: WorkingSite, pos: number, jobs: readonly RunningJob[], moves: readonly Move[]): void {
  for (const r of jobs) work.release(r.id);
  for (const m of moves) work.take(m.jobId, m.to, m.model, m.gpus, m.limitW);
}
