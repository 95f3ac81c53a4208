import { balanceMiners, raiseLimits } from './balance.js';
import { orderQueue } from './order.js';
import { Pass } from './pass.js';
import { consider } from './place.js';
import { powerPhase } from './power-saving.js';
import { defaultPolicy, type Policy } from './policy.js';
import { rightSize } from './right-size.js';
import { shed } from './shed.js';
import type { Plan, QueuedJob, SiteSnapshot } from './snapshot.js';

/**
 * The packing engine: (site snapshot, queue, policy) -> plan. Pure: no clock, no I/O,
 * and the snapshot is not mutated. The live scheduler and the simulator both call it.
 *
 * One pass, in phases (docs/scheduling.md explains each and the objective); the state
 * of the pass lives in pass.ts, each phase in the file named beside it:
 *   0. shed     shed.ts: if the site is over its cap (a cap drop): curtail miners, power off
 *               idle servers (power-saving.ts), move light servers' jobs onto busy ones
 *               (consolidate.ts), lower flexible limits, then preempt the lowest-priority jobs
 *      right-size  right-size.ts: wattpack: running jobs' limits down to their measured p99
 *               draw plus a margin; the watts count as free once telemetry confirms the lower limit
 *   1. order    order.ts: priority and submit time; wattpack: teams under their fair share first
 *   2. filter   fit.ts: nodes with enough free GPUs of an accepted model (gangs: one model, fewest racks)
 *   3. watts    place.ts: the highest per-GPU limit in the job's policy that fits under the cap
 *               (wattpack: counting miners' watts as reclaimable and shaving flexible
 *               jobs, right-size.ts)
 *   4. assign   place.ts: take GPUs and watts in the working copy, so later jobs see them gone
 *   5. blocked  place.ts, reserve.ts: fifo: the head blocks the rest; backfill and wattpack:
 *               the first blocked job gets a reservation that later jobs must not delay;
 *               wattpack may preempt
 *   6. power    power-saving.ts: power off servers idle past suspendAfter, power on off
 *               ones for jobs waiting for GPUs, mark down those that did not come back
 *   7. balance  balance.ts: wattpack: spare watts raise limits back toward max, then wake
 *               miners; watts borrowed from miners curtail the least valuable ones
 */
export function plan(site: SiteSnapshot, queue: readonly QueuedJob[], policy: Policy = defaultPolicy()): Plan {
  const pass = new Pass(site, queue, policy);
  const shedding = shed(pass);
  if (!shedding) rampLimit(pass);
  if (!shedding) settleAfterShed(pass);
  if (!shedding) rightSize(pass);
  const jobs = pass.fair ? pass.fair.order(pass.queue) : orderQueue(pass.queue);
  for (const job of jobs) {
    if (shedding) pass.waiting.push({ jobId: job.id, code: 'power', reason: 'power: the site is shedding load to meet a lower cap' });
    else consider(pass, job);
  }
  if (!shedding) powerPhase(pass);
  // While shedding, the watts just taken from limits are not free until the GPUs confirm them.
  if (pass.wattpack && !shedding) {
    raiseLimits(pass);
    balanceMiners(pass);
  }
  return planOf(pass, shedding);
}

/**
 * The ramp limit: power may rise only so fast, from the lower of where the last pass left
 * it and where it is now. Watts that fell between passes (jobs ending) are not taken back
 * at once: the grid counts a rise from the level drawn, whatever came before.
 */
function rampLimit(pass: Pass): void {
  const { ramp } = pass.site;
  if (ramp && pass.policy.rampWPerS !== undefined) {
    const ceiling = Math.min(ramp.fromW, pass.work.allocatedW) + (pass.policy.rampWPerS * Math.max(0, pass.site.now - ramp.atMs)) / 1000;
    pass.work.budgetW = Math.min(pass.work.budgetW, ceiling);
  }
}

/**
 * Hysteresis after a shed: the meter's correction is a median over its last readings, so
 * for a while after a shed it still counts less error than the meter shows; a start
 * against it can put the site back over the cap at the meter. New work waits until
 * the site is a margin below the cap, or the hold has passed.
 */
function settleAfterShed(pass: Pass): void {
  const hold = pass.policy.settleAfterShed;
  const { shedAtMs, now, capW, meterFactor } = pass.site;
  if (!hold || shedAtMs === undefined || now - shedAtMs >= hold.ms) return;
  pass.work.budgetW -= (hold.marginFraction * capW) / (meterFactor ?? 1);
}

/** What the pass decided, with running jobs' limit changes. */
function planOf(pass: Pass, shed: boolean): Plan {
  const powerChanges = [...pass.limits]
    .filter(([id, { w }]) => pass.running.has(id) && w !== pass.running.get(id)!.powerLimitW)
    .map(([jobId, { w, why }]) => ({ jobId, powerLimitW: w, why }));
  return {
    placements: pass.placements,
    waiting: pass.waiting,
    preemptions: pass.preemptions,
    powerChanges,
    curtail: pass.curtail,
    resume: pass.resume,
    nodePower: pass.nodePower,
    shed,
    allocatedW: pass.work.allocatedW,
    budgetW: pass.work.budgetW,
  };
}
