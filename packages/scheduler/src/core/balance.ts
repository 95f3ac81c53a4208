import type { Flex, Pass } from './pass.js';
import { flexJobs } from './right-size.js';
import type { LimitReason } from './snapshot.js';
import { facilityOf } from './watts.js';

/** Phase 6 (wattpack): spare watts raise limits back toward what jobs want, then wake miners. */

/**
 * Spare watts raise flexible jobs below what they want, to one common level: first the
 * jobs their telemetry shows held back at their limit (they lose most without watts),
 * then the others.
 */
export function raiseLimits(pass: Pass): void {
  const below = flexJobs(pass).filter((f) => pass.limitNow(f) < f.want && !pass.lowering.has(f.jobId));
  raiseTo(pass, below.filter((f) => f.held), 'held back');
  raiseTo(pass, below.filter((f) => !f.held), 'raise');
}

function raiseTo(pass: Pass, flex: Flex[], why: LimitReason): void {
  if (flex.length === 0) return;
  const spare = pass.work.freeW;
  if (spare <= 0) return;
  const costAt = (level: number) => facilityOf(pass.work.pue, flex.reduce((s, f) => s + f.gpus * Math.max(0, Math.min(f.want, level) - pass.limitNow(f)), 0));
  let lo = Math.min(...flex.map((f) => pass.limitNow(f)));
  let hi = Math.max(...flex.map((f) => f.want)) + 1;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (costAt(mid) <= spare) lo = mid;
    else hi = mid;
  }
  for (const f of flex) {
    const next = Math.min(f.want, Math.max(lo, pass.limitNow(f)));
    if (next - pass.limitNow(f) >= pass.policy.minLimitChangeW) pass.setLimit(f.jobId, next, why);
  }
}

/** Curtail the least valuable miners for watts the plan borrowed; wake the most valuable into what is left. */
export function balanceMiners(pass: Pass): void {
  const { work } = pass;
  while (work.allocatedW > work.budgetW + 1e-6 && pass.miners.length > 0) pass.curtailNext();
  // Only miners of schedulable nodes wake: a drained miner host is retired.
  const asleep = pass.site.nodes
    .flatMap((n, pos) => (n.schedulable ? n.miners.filter((m) => m.curtailed && !pass.curtail.includes(m.id)).map((m) => ({ m, pos })) : []))
    .sort((a, b) => (b.m.hashrateThs ?? 0) / b.m.nameplateW - (a.m.hashrateThs ?? 0) / a.m.nameplateW || (a.m.id < b.m.id ? -1 : 1));
  for (const { m, pos } of asleep) {
    const w = facilityOf(work.pue, m.nameplateW);
    if (w > work.freeW) break;
    work.setMinerRunning(pos, w, true);
    pass.resume.push(m.id);
  }
}
