import { notEnoughPower } from './explain.js';
import { bootCouldServe } from './power-saving.js';
import { findNodes, type Fit } from './fit.js';
import { toleranceFloor } from './flex.js';
import type { Pass } from './pass.js';
import { reserve, tryPreempt } from './reserve.js';
import { shaveFor } from './right-size.js';
import type { QueuedJob, Waiting } from './snapshot.js';
import { budgetW, facilityOf } from './watts.js';

/**
 * Phases 2-5 for one queued job: filter nodes, pick its watts, assign them in the
 * working copy; if it is blocked, preempt for it (wattpack) or reserve for it (EASY).
 */
export function consider(pass: Pass, job: QueuedJob): void {
  if (pass.blockedBy) {
    pass.waiting.push({ jobId: job.id, code: 'gpus', reason: `queued behind ${pass.blockedBy} (first come, first served)` });
    return;
  }
  const endsAt = pass.site.now + (job.maxRuntimeS ?? pass.policy.defaultRuntimeS) * 1000;
  const long = pass.reservation !== undefined && endsAt > pass.reservation.at;
  const blocked = place(pass, job, endsAt, long);
  if (!blocked) return;
  const waitForBoot = blocked.code === 'gpus' && bootCouldServe(pass, job);
  const rescue = !pass.awaitingShave.has(job.id) && !pass.awaitingEvent.has(job.id);
  if (blocked.code !== 'never' && pass.wattpack && rescue && !waitForBoot && tryPreempt(pass, job)) {
    pass.waiting.push({ jobId: job.id, code: blocked.code, reason: `preempting ${pass.preemptions.filter((p) => p.reason.includes(job.id)).length} job(s) to make room` });
    return;
  }
  if (pass.policy.name === 'fifo') {
    if (blocked.code !== 'never') pass.blockedBy = job.id;
  }
  else if (!pass.reserved && blocked.code !== 'never') {
    pass.reserved = true; // EASY: one reservation, for the first blocked job
    reserve(pass, job);
  }
  pass.waiting.push(blocked);
}

/** Phases 2-4: finds nodes and places the job. Returns why it could not, or undefined once placed. */
function place(pass: Pass, job: QueuedJob, endsAt: number, long: boolean): Waiting | undefined {
  // Free GPUs only shrink during a pass, so a shape that found no nodes stays unplaceable.
  const shape = job.gpuModels.length === 0 ? (job.gpus * 8192 + job.nodes) * 2 + Number(long) : `${job.gpuModels.join('|')}/${job.gpus}/${job.nodes}/${long}`;
  const known = pass.noFit.get(shape);
  if (known) return { jobId: job.id, code: known.code, reason: known.reason };
  // fifo and backfill change the working site only by placing, so a job of the same shape
  // and limit range as one short of watts, with nothing placed since, is short the same
  // (wattpack may shave limits in between). A power-bound backfill pass asks this of
  // hundreds of jobs; finding their nodes again was most of it.
  const wattsKey = pass.wattpack ? undefined : `${shape}/${job.minW}/${job.maxW}`;
  const short = wattsKey !== undefined ? pass.noWatts.get(wattsKey) : undefined;
  if (short && short.placements === pass.placements.length) return { jobId: job.id, code: short.code, reason: short.reason };
  let fit = findNodes(pass.work, job);
  if (!('code' in fit) && long && fit.positions.some((p) => pass.reservation!.positions.has(p))) {
    fit = findNodes(pass.work, job, pass.reservation!.positions);
  }
  if ('code' in fit) {
    pass.noFit.set(shape, { code: fit.code, reason: fit.reason });
    return fit;
  }
  const blocked = assign(pass, job, fit, endsAt, long);
  if (blocked?.code === 'power') for (const pos of fit.positions) pass.wantedForWatts.add(pos);
  if (blocked && wattsKey !== undefined) pass.noWatts.set(wattsKey, { code: blocked.code, reason: blocked.reason, placements: pass.placements.length });
  return blocked;
}

/** The GPUs a placement on `fit` would take, their bounds, and the host watts it wakes. */
function pick(pass: Pass, job: QueuedJob, fit: Fit): { count: number; idleW: number; hostW: number; gpuMin: number; gpuMax: number } {
  let count = 0;
  let idleW = 0;
  let hostW = 0;
  let gpuMin = 0;
  let gpuMax = Infinity;
  for (const pos of fit.positions) {
    const pick = pass.work.peek(pos, fit.model, job.gpus);
    hostW += pick.hostTurnsBusyW;
    for (const g of pick.gpus) {
      count++;
      idleW += g.idleW;
      if (g.minW > gpuMin) gpuMin = g.minW;
      if (g.maxW < gpuMax) gpuMax = g.maxW;
    }
  }
  return { count, idleW, hostW, gpuMin, gpuMax };
}

/**
 * Watts a job ending at `endsAt` may take under the announced lower cap it would run into
 * (miners count, as now: they are curtailed first); undefined when it ends before.
 */
function aheadAvailW(pass: Pass, endsAt: number): number | undefined {
  const ahead = pass.site.capAhead;
  if (!ahead || endsAt <= ahead.at) return undefined;
  const { work, site } = pass;
  return budgetW({ capW: ahead.capW, reserveFraction: site.reserveFraction }) / (site.meterFactor ?? 1) - work.allocatedW + pass.minersW;
}

/**
 * A job's limit range at its start. A job of a flexibility class starts no lower than the
 * limit that keeps its class of the curve (flex 0: its max): started lower, it would be
 * slowed beyond its promise before any shedding, and stay there while the site is full.
 */
function startBounds(pass: Pass, job: QueuedJob, gpuMin: number, gpuMax: number, fit: Fit): { floor: number; want: number } {
  const b = pass.bounds(job, gpuMin, gpuMax, fit.positions[0]!, fit.model);
  if (job.flex === undefined || !pass.wattpack) return b;
  return { floor: toleranceFloor(pass.curveFor(fit.model), job.flex, b.floor, b.want, gpuMax), want: b.want };
}

/** Phases 3-4. Returns why it could not, or undefined once placed. */
function assign(pass: Pass, job: QueuedJob, fit: Fit, endsAt: number, long: boolean): Waiting | undefined {
  const { work } = pass;
  const { count, idleW, hostW, gpuMin, gpuMax } = pick(pass, job, fit);
  let avail = work.freeW + pass.minersW;
  if (long) avail = Math.min(avail, pass.reservation!.spareW);
  const need = (limitW: number) => facilityOf(work.pue, hostW + count * limitW - idleW);
  const ahead = aheadAvailW(pass, endsAt);
  if (ahead !== undefined && ahead < avail) {
    if (need(startBounds(pass, job, gpuMin, gpuMax, fit).floor) > ahead) {
      pass.awaitingEvent.add(job.id);
      return { jobId: job.id, code: 'power', reason: `power: it would still run when the cap drops to ${(pass.site.capAhead!.capW / 1e6).toFixed(2)} MW at ${new Date(pass.site.capAhead!.at).toISOString()}, which leaves no room for it` };
    }
    avail = ahead;
  }

  let limitW = 0;
  let bounds: { floor: number; want: number } | undefined;
  if (count === 0) {
    if (need(0) > avail) return notEnoughPower(job.id, need(0), avail);
  } else {
    bounds = startBounds(pass, job, gpuMin, gpuMax, fit);
    const { floor, want } = bounds;
    if (need(want) <= avail) limitW = want;
    else {
      const fitting = Math.floor((avail / work.pue - hostW + idleW) / count);
      if (fitting >= floor) limitW = fitting;
      else {
        const shaved = !long && pass.wattpack ? shaveFor(pass, { need, floor, want, maxW: gpuMax, model: fit.model, gpus: count, avail }) : undefined;
        if (shaved === undefined) return notEnoughPower(job.id, need(floor), avail);
        if ('lowered' in shaved) {
          pass.awaitingShave.add(job.id);
          return { jobId: job.id, code: 'power', reason: `power: lowering ${shaved.lowered} running job(s)' limits to make room (it starts once their GPUs confirm)` };
        }
        limitW = shaved.limitW;
      }
    }
  }
  const nodes = fit.positions.map((pos) => work.take(job.id, pos, fit.model, job.gpus, limitW));
  const facilityW = need(limitW);
  if (long) pass.reservation!.spareW -= facilityW;
  pass.placements.push({ jobId: job.id, nodes, powerLimitW: limitW, facilityW });
  pass.placedEnds.push({ id: job.id, at: endsAt });
  pass.fair?.add(job.team, count, facilityW);
  if (pass.wattpack && bounds) {
    const f = { jobId: job.id, model: fit.model, gpus: count, maxW: gpuMax, flex: job.flex, ...bounds };
    if (pass.flex) pass.flex.push(f);
    else pass.placedFlex.push(f);
  }
  return undefined;
}
