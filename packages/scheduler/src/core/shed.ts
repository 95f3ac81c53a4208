import { SHED_ORDER } from './flex.js';
import type { Flex, Pass } from './pass.js';
import { flexJobs, freedAt } from './right-size.js';
import { consolidate } from './consolidate.js';
import { leavingW, suspendToShed } from './power-saving.js';
import { slowBeyondTolerance } from './beyond-tolerance.js';
import { checkpointOrder, mayGoOff } from './checkpoint-order.js';
import { idleSavingW } from './power-saving.js';
import { facilityOf } from './watts.js';

/**
 * Phase 0: shed load over the cap (a cap drop). Curtail miners, power off idle servers
 * (power saving), move the jobs of light servers onto busy ones (consolidation), lower
 * flexible limits, then preempt the lowest-priority jobs. Returns true when the site is over its cap:
 * nothing new starts in this pass.
 */
export function shed(pass: Pass): boolean {
  const { work } = pass;
  if (work.allocatedW <= work.budgetW) return false;
  // Servers powering off count at idle until their BMCs read them off, but their watts are
  // on the way out (within suspendTimeout, or ForceOff): the shed takes no more for them,
  // as for stopping jobs. Room in the budget for the pass's shed only: nothing starts.
  const leaving = leavingW(pass);
  if (!overCap(pass, leaving)) return false;
  const budgetW = work.budgetW;
  work.budgetW += leaving;
  // 1. Miners: the fastest flexible load.
  while (work.allocatedW > work.budgetW && pass.miners.length > 0) pass.curtailNext();
  // 1b. Idle servers (power saving): no job loses anything; they cost a boot later.
  if (work.allocatedW > work.budgetW) work.budgetW += suspendToShed(pass);
  // 1c. Light servers emptied onto busy ones (consolidate.ts): jobs lose a restart, not the event.
  consolidate(pass);
  // 2. Flexible GPU limits toward their floors, one common level.
  if (pass.wattpack && work.allocatedW > work.budgetW) lowerFlexible(pass);
  // 2b. Past every class's limit: lower limits or stop, whichever loses less per watt.
  const chosen = new Set(pass.wattpack && pass.policy.slowBeyondTolerance ? slowBeyondTolerance(pass) : []);
  // 3. Checkpoint and preempt (checkpoint-order.ts). They draw until they exit, so the pass
  //    keeps counting them; a what-if picks them.
  checkpointToBudget(pass, chosen, work.budgetW - budgetW);
  work.budgetW = budgetW;
  return true;
}

/**
 * Checkpoints jobs in `checkpointOrder` until the what-if is under the budget. With power
 * saving (wattpack), a server this emptied that the next pass will power off counts at its
 * off draw, but only while the site counted with it still idle stays under the cap itself
 * (the reserve's room): it draws idle until its jobs exit and its BMC reads it off, and the
 * meter must stay under the cap meanwhile. `raisedW`: what the budget was raised by for
 * watts already on their way out (the cap line rises by the same).
 */
function checkpointToBudget(pass: Pass, chosen: ReadonlySet<string>, raisedW: number): void {
  const what = pass.work.clone();
  const wp = pass.wattpack && !!pass.policy.powerSaving;
  const countOff = wp && pass.policy.shedCountsEmptiedOff !== false;
  const capLineW = pass.site.capW / (pass.site.meterFactor ?? 1) + raisedW;
  let offW = 0;
  const done = () => what.allocatedW - offW <= what.budgetW && (offW === 0 || what.allocatedW <= capLineW);
  for (const v of checkpointOrder(pass, what, chosen, wp && pass.policy.shedByValue !== false, countOff)) {
    if (done()) break;
    const nodes = what.nodesOf(v.id);
    what.release(v.id);
    pass.preemptions.push({ jobId: v.id, code: 'shed', reason: overReason(pass) });
    if (countOff) for (const pos of nodes) if (!what.nodeState(pos).busy && mayGoOff(pass, what, pos)) offW += facilityOf(what.pue, idleSavingW(what.nodeState(pos).view));
  }
}

function overReason(pass: Pass): string {
  const cap = `${(pass.site.capW / 1e6).toFixed(2)} MW`;
  return (pass.site.meterFactor ?? 1) > 1 ? `preempted: the site draws over its ${cap} cap at the meter` : `preempted: the site cap dropped to ${cap}`;
}

/**
 * Whether the site, over its cap as counted, stays over once stopping jobs and servers
 * powering off (`leavingW`) are gone: they still draw, but their watts are on the way out.
 */
function overCap(pass: Pass, leavingW: number): boolean {
  const { work } = pass;
  const stopping = pass.site.running.filter((r) => r.stopping);
  if (stopping.length > 0) {
    const what = work.clone();
    for (const r of stopping) what.release(r.id);
    return what.allocatedW - leavingW > what.budgetW;
  }
  return work.allocatedW - leavingW > work.budgetW;
}

/**
 * Lowers flexible jobs, the most flexible class first (core/flex.ts): within a class, to one
 * common level (never below each one's floor, which keeps its class's throughput) that frees
 * the excess, or as close as they go; a less flexible class only if that was not enough.
 * Flex-0 jobs are never in the list: their floor is their limit.
 */
function lowerFlexible(pass: Pass): void {
  const { work } = pass;
  // Jobs moving off a server are placed again later at the limit that pass gives them.
  const all = flexJobs(pass).filter((f) => !pass.preempting.has(f.jobId));
  for (const cls of SHED_ORDER) {
    if (work.allocatedW <= work.budgetW) return;
    const flex = all.filter((f) => f.flex === cls);
    if (flex.length > 0) lowerToCommonLevel(pass, flex);
  }
}

function lowerToCommonLevel(pass: Pass, flex: readonly Flex[]): void {
  const { work } = pass;
  const excess = work.allocatedW - work.budgetW;
  let lo = Math.min(...flex.map((f) => f.floor), 0);
  let hi = Math.max(0, ...flex.map((f) => pass.limitNow(f)));
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (freedAt(pass, flex, mid) >= excess) lo = mid;
    else hi = mid;
  }
  for (const f of flex) {
    const next = Math.max(lo, f.floor);
    if (next < pass.limitNow(f)) pass.setLimit(f.jobId, next, 'shed');
  }
}
