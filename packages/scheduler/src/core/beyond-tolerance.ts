import type { Flex, Pass } from './pass.js';
import { facilityOf } from './watts.js';

/** Limits are tried this far apart (W): nvidia-smi takes any watt, this keeps the lists short. */
const STEP_W = 25;

/** One thing a job may do: keep a limit (`toW`) or stop (undefined), losing `loss` GPU-throughput for `freedW` facility watts. */
interface Option {
  toW: number | undefined;
  loss: number;
  freedW: number;
}

/**
 * Shedding between tolerance limits and checkpoints (docs/scheduling.md, "Beyond
 * tolerance"). A checkpoint is a 100 % slowdown until the job runs again, so past every
 * class's limit each flexible job may go lower, down to its power range's floor (its own
 * minimum, else the GPU's), or stop: whichever loses the least throughput for the watts.
 * One price per watt for all (a Lagrangian: each job takes the option with the least
 * loss − price × watts freed), the lowest price that frees the excess, found by bisection
 * as lowerFlexible finds its common level. Flex-0 jobs are never among them.
 * Returns the jobs to checkpoint; the others' limits are set.
 */
export function slowBeyondTolerance(pass: Pass): string[] {
  const { work } = pass;
  const excess = work.allocatedW - work.budgetW;
  if (excess <= 0) return [];
  const jobs: { f: Flex; options: Option[] }[] = [];
  for (const f of candidates(pass)) {
    const options = optionsOf(pass, f);
    if (options.length > 1) jobs.push({ f, options });
  }
  const freedAt = (price: number) => jobs.reduce((s, j) => s + choose(j.options, price).freedW, 0);
  let hi = 1;
  while (freedAt(hi) < excess && hi < 1e6) hi *= 2;
  let lo = 0;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (freedAt(mid) >= excess) hi = mid;
    else lo = mid;
  }
  // Jobs with the same curve change their choice at the same price: from the cheaper
  // price's choices, take the dearer one's job by job only until the excess is freed.
  let freed = 0;
  const picks = jobs.map((j) => {
    const pick = choose(j.options, lo);
    freed += pick.freedW;
    return pick;
  });
  for (let i = 0; i < jobs.length && freed < excess; i++) {
    const dearer = choose(jobs[i]!.options, hi);
    freed += dearer.freedW - picks[i]!.freedW;
    picks[i] = dearer;
  }
  const stops: string[] = [];
  jobs.forEach(({ f }, i) => {
    const { toW } = picks[i]!;
    if (toW === undefined) stops.push(f.jobId);
    else if (toW < pass.limitNow(f)) pass.setLimit(f.jobId, toW, 'shed');
  });
  return stops;
}

/**
 * Every running job with a class other than 0, or none, whose telemetry is live: flexJobs
 * leaves out the jobs already at their floor, and a job whose measured draw is below the
 * node-efficient limit is floored at what it wants, yet may still go lower here.
 */
function candidates(pass: Pass): Flex[] {
  const { work } = pass;
  const rs = pass.rightSizing;
  const out: Flex[] = [];
  for (const r of pass.site.running) {
    if (r.flex === 0 || r.stopping || r.telemetryLost || pass.preempting.has(r.id)) continue;
    const b = work.boundsOf(r.id);
    if (!b) continue;
    const demandW = rs && r.power && r.power.heldFraction < rs.heldFraction ? r.power.p99W : undefined;
    out.push({ jobId: r.id, model: b.model, gpus: b.gpus, maxW: b.maxW, floor: b.minW, want: b.limitW, ...(demandW !== undefined ? { demandW } : {}) });
  }
  return out;
}

/** The option with the least loss − price × watts freed; the first (the least drastic) on a tie. */
function choose(options: readonly Option[], price: number): Option {
  let best = options[0]!;
  let bestCost = 0;
  for (const o of options) {
    const cost = o.loss - price * o.freedW;
    if (cost < bestCost) [best, bestCost] = [o, cost];
  }
  return best;
}

/** A job's options: its limit now, each step down to its power range's floor, and a stop if it may be checkpointed. */
function optionsOf(pass: Pass, f: Flex): Option[] {
  const { work } = pass;
  const b = work.boundsOf(f.jobId);
  const r = pass.running.get(f.jobId);
  const now = pass.limitNow(f);
  const options: Option[] = [{ toW: now, loss: 0, freedW: 0 }];
  if (!b || !r) return options;
  const lowest = Math.max(b.minW, Math.min(f.maxW, r.minW ?? 0));
  const curve = pass.curveFor(f.model);
  const speed = (w: number) => curve.forJob(w, f.maxW, f.demandW);
  for (let w = now - STEP_W; w > lowest - STEP_W; w -= STEP_W) {
    const toW = Math.max(w, lowest);
    options.push({ toW, loss: f.gpus * (speed(now) - speed(toW)), freedW: facilityOf(work.pue, f.gpus * (now - toW)) });
  }
  // A stop frees its GPUs' watts above idle, and its host's busy-over-idle when it is the
  // server's only job (more once the server goes off: not counted).
  const { view } = work.nodeState(b.pos);
  const idleW = view.gpus[0]?.idleW ?? 0;
  const alone = work.nodesOf(f.jobId).length === 1 && view.gpus.length - work.freeCount(b.pos, b.model) === f.gpus;
  const hostW = alone ? view.hostBusyW - view.hostIdleW : 0;
  if (r.preemptible && now > idleW) options.push({ toW: undefined, loss: f.gpus * speed(now), freedW: facilityOf(work.pue, f.gpus * (now - idleW) + hostW) });
  return options;
}
