import type { Pass } from './pass.js';
import type { PowerSavingPolicy } from './policy.js';
import type { NodeView, QueuedJob } from './snapshot.js';
import { facilityOf } from './watts.js';

/**
 * Power saving (docs/scheduling.md, "Power saving"): Slurm's SuspendProgram/ResumeProgram
 * decided by the planner. Idle GPU servers are powered off (to their BMC's standby):
 *  - to shed load over the cap, right after miners (shed.ts): an idle server costs its
 *    host and idle GPUs and does no work, so it goes before any job is slowed;
 *  - after suspendAfter idle, like Slurm's SuspendTime;
 *  - at once while jobs wait for watts, unless one of them would run on it.
 * Off servers are powered on for queued work that waits for GPUs, when the watts allow;
 * one not back within resumeTimeout is marked down (Slurm's ResumeTimeout).
 * Excluded nodes, each model's minIdleNodes and the backfill reservation's nodes stay on.
 */

/**
 * Over the cap: powers off idle servers, the largest saving first, until the watts they
 * will free cover the excess; returns those facility watts. They still count until each
 * BMC reads its server off (shed.ts leaves them out of what is still to shed).
 */
export function suspendToShed(pass: Pass): number {
  const ps = pass.policy.powerSaving;
  if (!ps) return 0;
  const { work } = pass;
  let freeingW = 0;
  for (const pos of suspendable(pass, ps, () => true)) {
    if (work.allocatedW <= work.budgetW + freeingW) break;
    suspend(pass, pos);
    freeingW += facilityOf(work.pue, idleSavingW(work.nodeState(pos).view));
  }
  return freeingW;
}

/** Facility watts of servers powering off (told to, not yet read off by their BMC): what they will stop drawing. */
export function leavingW(pass: Pass): number {
  if (!pass.policy.powerSaving) return 0;
  const { work } = pass;
  let itW = 0;
  for (let pos = 0; pos < work.nodeCount; pos++) {
    const { view, power } = work.nodeState(pos);
    if (power === 'suspending') itW += idleSavingW(view);
  }
  return facilityOf(work.pue, itW);
}

/** After placement: idle timers, resumes for waiting work, resume timeouts. */
export function powerPhase(pass: Pass): void {
  const ps = pass.policy.powerSaving;
  if (!ps) return;
  markTimedOut(pass, ps);
  if (ps.suspendAfterS < Infinity) {
    const sinceMs = pass.site.now - ps.suspendAfterS * 1000;
    for (const pos of suspendable(pass, ps, (v) => v.idleSinceMs !== undefined && v.idleSinceMs <= sinceMs)) suspend(pass, pos);
  }
  resumeForWaiting(pass);
  // Work waits for watts: an idle server none of it would run on burns them for nothing
  // (one a shed or consolidation just emptied, say), so it goes off now, whatever its
  // timer, even the reservation's (its job waits for these watts; a boot serves it later).
  // After resumes, so the watts it frees wake no other server in the same pass.
  if (pass.wantedForWatts.size > 0) for (const pos of suspendable(pass, ps, (_, p) => !pass.wantedForWatts.has(p), false)) suspend(pass, pos);
}

function suspend(pass: Pass, pos: number): void {
  pass.work.setPower(pos, 'suspending');
  pass.nodePower.suspend.push(pass.work.nodeId(pos));
}

/** IT watts an idle server stops drawing when it is powered off. */
export const idleSavingW = (v: NodeView): number => v.hostIdleW + v.gpus.reduce((sum, g) => sum + g.idleW, 0) - (v.standbyW ?? 0);

/**
 * Idle, on, schedulable GPU servers that may go off now (`due`), the largest saving first:
 * not excluded, not the reservation's (unless `keepReserved` is false), and never below
 * minIdleNodes idle ones per model.
 */
function suspendable(pass: Pass, ps: PowerSavingPolicy, due: (v: NodeView, pos: number) => boolean, keepReserved = true): number[] {
  const { work } = pass;
  const reserved = keepReserved ? pass.reservation?.positions : undefined;
  const idle = new Map<string, { count: number; candidates: number[] }>();
  for (let pos = 0; pos < work.nodeCount; pos++) {
    const { view, busy, power } = work.nodeState(pos);
    if (busy || power !== 'on' || !view.schedulable || view.gpus.length === 0) continue;
    const model = view.gpus[0]!.model;
    const entry = idle.get(model) ?? idle.set(model, { count: 0, candidates: [] }).get(model)!;
    entry.count++;
    if (!ps.excludeNodes.has(view.id) && !reserved?.has(pos) && idleSavingW(view) > 0 && due(view, pos)) entry.candidates.push(pos);
  }
  const out: number[] = [];
  for (const { count, candidates } of idle.values()) out.push(...candidates.slice(0, Math.max(0, count - ps.minIdleNodes)));
  const saving = new Map(out.map((pos) => [pos, idleSavingW(work.nodeState(pos).view)]));
  return out.sort((a, b) => saving.get(b)! - saving.get(a)! || a - b);
}

/** Nodes booting longer than resumeTimeout: the driver marks them down, as Slurm does. */
function markTimedOut(pass: Pass, ps: PowerSavingPolicy): void {
  const { work } = pass;
  const beforeMs = pass.site.now - ps.resumeTimeoutS * 1000;
  for (let pos = 0; pos < work.nodeCount; pos++) {
    const { view, power } = work.nodeState(pos);
    if (power === 'resuming' && view.schedulable && view.resumedAtMs !== undefined && view.resumedAtMs < beforeMs) pass.nodePower.down.push(view.id);
  }
}

/**
 * Powers on off servers for jobs left waiting for GPUs, in queue order: idle servers on
 * (a gang's other nodes) and servers already booting serve first; another is powered on only if the watts free now cover its idle
 * draw and the job's GPUs at their floor (the job's share is only promised, not taken:
 * the pass that places it checks again).
 */
function resumeForWaiting(pass: Pass): void {
  const { work } = pass;
  const booting: number[] = [];
  const off: number[] = [];
  const freeOn: number[] = [];
  // No job can be served once the watts left would not even boot the cheapest server.
  let cheapestW = Infinity;
  for (let pos = 0; pos < work.nodeCount; pos++) {
    const { view, power, busy } = work.nodeState(pos);
    if (!view.schedulable || view.gpus.length === 0) continue;
    if (power === 'resuming') booting.push(pos);
    else if (power === 'off') {
      off.push(pos);
      cheapestW = Math.min(cheapestW, facilityOf(work.pue, idleSavingW(view)));
    } else if (power === 'on' && !busy) freeOn.push(pos);
  }
  if (off.length === 0) return;
  const queued = new Map(pass.queue.map((q) => [q.id, q]));
  let promisedW = 0;
  for (const w of pass.waiting) {
    if (off.length === 0 || work.freeW - promisedW < cheapestW) return;
    if (w.code !== 'gpus') continue;
    const job = queued.get(w.jobId);
    if (!job) continue;
    const fits = (pos: number) => fitsOn(work.nodeState(pos).view, job);
    // A gang counts idle servers already on (left free by this pass), then those booting.
    const onFree = freeOn.filter(fits).length;
    const need = job.nodes - onFree - takeUpTo(booting, fits, Math.max(0, job.nodes - onFree)).length;
    if (need <= 0) continue;
    const picked = off.filter(fits).slice(0, need);
    if (picked.length < need) continue;
    const costW = picked.reduce((sum, pos) => sum + resumeCostW(pass, pos, job), 0);
    if (work.freeW - promisedW < costW) continue;
    for (const pos of picked) {
      off.splice(off.indexOf(pos), 1);
      const { view } = work.nodeState(pos);
      promisedW += resumeCostW(pass, pos, job) - facilityOf(work.pue, idleSavingW(view));
      work.setPower(pos, 'resuming');
      pass.nodePower.resume.push(view.id);
    }
  }
}

/** Servers off or booting, per pass (found once: a pass asks for each blocked job). */
const powerable = new WeakMap<Pass, number[]>();

/**
 * Whether servers off or booting could run `job`: it then waits for a boot rather than
 * checkpointing others for GPUs (Slurm powers nodes up; it does not preempt for them).
 */
export function bootCouldServe(pass: Pass, job: QueuedJob): boolean {
  if (!pass.policy.powerSaving) return false;
  const { work } = pass;
  let list = powerable.get(pass);
  if (!list) {
    list = [];
    for (let pos = 0; pos < work.nodeCount; pos++) {
      const { view, power } = work.nodeState(pos);
      if (view.schedulable && (power === 'off' || power === 'resuming')) list.push(pos);
    }
    powerable.set(pass, list);
  }
  let fitting = 0;
  for (const pos of list) if (fitsOn(work.nodeState(pos).view, job) && ++fitting >= job.nodes) return true;
  return false;
}

/** Removes and returns up to n entries that pass `ok`. */
function takeUpTo(list: number[], ok: (pos: number) => boolean, n: number): number[] {
  const taken: number[] = [];
  for (let i = 0; i < list.length && taken.length < n; ) {
    if (ok(list[i]!)) taken.push(...list.splice(i, 1));
    else i++;
  }
  return taken;
}

/**
 * Whether the node has `job.gpus` GPUs of one model the job accepts. Counted in place,
 * each model from its first GPU: it is asked for every off server and waiting job of a
 * pass, and made a map each time.
 */
function fitsOn(v: NodeView, job: QueuedJob): boolean {
  const { gpus } = v;
  for (let i = 0; i < gpus.length; i++) {
    const model = gpus[i]!.model;
    if (job.gpuModels.length > 0 && !job.gpuModels.includes(model)) continue;
    if (gpus.findIndex((g) => g.model === model) < i) continue;
    let count = 0;
    for (let k = i; k < gpus.length; k++) if (gpus[k]!.model === model) count++;
    if (count >= job.gpus) return true;
  }
  return false;
}

/** Facility watts of powering a server on for `job`: its idle draw, then the job's GPUs at their floor and the host turning busy. */
function resumeCostW(pass: Pass, pos: number, job: QueuedJob): number {
  const v = pass.work.nodeState(pos).view;
  const g = v.gpus[0]!;
  const { floor } = pass.bounds(job, g.minW, g.maxW, pos, g.model);
  const jobW = job.gpus * (floor - g.idleW) + (v.hostBusyW - v.hostIdleW);
  return facilityOf(pass.work.pue, idleSavingW(v) + jobW);
}
