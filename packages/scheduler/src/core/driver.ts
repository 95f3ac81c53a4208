import type { NodeView, Placement, Plan, PowerChange, Preemption, RunningJob, SiteSnapshot, Waiting } from './snapshot.js';
import { budgetW, isBusy, limitChangeW, placementW, siteSplit } from './watts.js';

/**
 * The one driver that applies a plan to a world: the live site (store, then commands to
 * agents), the simulated hardware, or a dry run that only records. What differs between
 * them is the PlanTarget; what a plan does, in which order, and what of it still holds
 * at commit time is decided here, once.
 *
 * Curtail-then-place: the core counts the watts of miners it curtails as free at once.
 * The driver does not: a placement is committed only if it fits the state as it is
 * (miners still mining until they report curtailed), so a job that needs a curtailment's
 * watts waits for the pass that sees it confirmed. docs/scheduling.md says why.
 */

/** The state a plan is committed against, read at commit time (Nomad's plan_apply). */
export interface FreshState {
  pue: number;
  /** Facility watts as the cap counts them now (read only when a plan adds watts). */
  allocatedW(): number;
  /** The most facility watts the site may allocate now: the cap less its reserve. */
  budgetW: number;
  node(id: string): NodeView | undefined;
  running(jobId: string): RunningJob | undefined;
}

/** Where a plan lands. Each method returns nothing (applied at once) or a promise (stored, then sent). */
export interface PlanTarget<R extends void | Promise<void>> {
  /** The state now: called once per plan, before anything of it is applied. */
  fresh(): FreshState;
  preempt(p: Preemption): R;
  setLimit(c: PowerChange): R;
  miners(ids: readonly string[], action: 'curtail' | 'resume'): R;
  /** Power saving's node power (core/power-saving.ts); a target without it never gets a policy with powerSaving. */
  nodePower?(ids: readonly string[], action: 'suspend' | 'resume' | 'down'): R;
  place(p: Placement): R;
  /** A job the plan leaves queued, or whose placement no longer fits: it stays queued with this reason. */
  wait(w: Waiting): R;
}

/** What of a plan was committed, and what was requeued at commit. */
export interface Applied {
  placements: Placement[];
  powerChanges: PowerChange[];
  requeued: Waiting[];
}

/**
 * Applies a plan in one order: preemptions, limit changes, curtailments, resumptions,
 * placements, then the reasons of jobs left waiting. Each phase completes (its promises
 * settle) before the next starts, so a placement is stored before its start is sent and
 * after the curtail commands; with a synchronous target the whole plan applies at once.
 */
export function applyPlan(plan: Plan, target: PlanTarget<void>): Applied;
export function applyPlan(plan: Plan, target: PlanTarget<Promise<void>>): Promise<Applied>;
export function applyPlan(plan: Plan, target: PlanTarget<void | Promise<void>>): Applied | Promise<Applied> {
  const applied = verifyPlan(plan, target.fresh());
  const done = inOrder([
    () => plan.preemptions.map((p) => target.preempt(p)),
    () => applied.powerChanges.map((c) => target.setLimit(c)),
    () => [plan.curtail.length ? target.miners(plan.curtail, 'curtail') : undefined, plan.resume.length ? target.miners(plan.resume, 'resume') : undefined, ...nodePower(plan, target)],
    () => applied.placements.map((p) => target.place(p)),
    () => [...plan.waiting, ...applied.requeued].map((w) => target.wait(w)),
  ]);
  return done ? done.then(() => applied) : applied;
}

/** The plan's node power commands; a target that cannot power nodes must never be given a plan with any. */
function nodePower(plan: Plan, target: PlanTarget<void | Promise<void>>): Array<void | Promise<void>> {
  const { suspend, resume, down } = plan.nodePower;
  const actions = [['suspend', suspend], ['resume', resume], ['down', down]] as const;
  return actions.filter(([, ids]) => ids.length > 0).map(([action, ids]) => {
    if (!target.nodePower) throw new Error(`plan: ${action} of ${ids.join(', ')} for a target that cannot power nodes`);
    return target.nodePower(ids, action);
  });
}

/** Runs phases in order; returns a promise only once some effect is one. */
function inOrder(phases: Array<() => Array<void | Promise<void>>>, from = 0): Promise<void> | undefined {
  for (let i = from; i < phases.length; i++) {
    const pending = phases[i]!().filter((e): e is Promise<void> => e instanceof Promise);
    if (pending.length > 0) return Promise.all(pending).then(() => inOrder(phases, i + 1));
  }
  return undefined;
}

/** Watts added by the plan may overshoot the budget by float noise only. */
const EPSILON_W = 1e-3;

/**
 * Re-checks a plan's placements and limit raises against the fresh state, in the order
 * the core made them (placements, then raises from spare watts): each node still there
 * and schedulable, each GPU still free, the watts still within the budget. What no
 * longer fits is requeued (placements) or dropped (raises: the next pass asks again).
 * Lower limits and preemptions always apply: they only free watts.
 */
export function verifyPlan(plan: Plan, fresh: FreshState): Applied {
  const out: Applied = { placements: [], powerChanges: [], requeued: [] };
  if (plan.placements.length === 0 && plan.powerChanges.length === 0) return out;
  const budget = Math.min(plan.budgetW, fresh.budgetW);
  let allocated: number | undefined;
  const fits = (addW: number) => {
    allocated ??= fresh.allocatedW();
    if (allocated + addW > budget + EPSILON_W) return false;
    allocated += addW;
    return true;
  };
  const taken = new Set<string>();
  const turnedBusy = new Set<string>();
  for (const p of plan.placements) {
    const problem = placementProblem(p, fresh, taken, turnedBusy);
    if (typeof problem === 'string') out.requeued.push({ jobId: p.jobId, code: 'gpus', reason: problem });
    else if (!fits(problem.addW)) out.requeued.push({ jobId: p.jobId, code: 'power', reason: powerReason(plan, problem.addW, budget - (allocated ?? 0)) });
    else {
      for (const n of p.nodes) {
        turnedBusy.add(n.nodeId);
        for (const idx of n.gpuIndices) taken.add(`${n.nodeId}/${idx}`);
      }
      out.placements.push(p);
    }
  }
  for (const c of plan.powerChanges) {
    const job = fresh.running(c.jobId);
    if (!job) continue;
    const addW = limitChangeW(fresh.pue, job.gpus * job.nodes, job.powerLimitW, c.powerLimitW);
    if (addW <= 0 || fits(addW)) out.powerChanges.push(c);
  }
  return out;
}

/** Why a placement no longer fits the fresh state, or the watts it adds. */
function placementProblem(p: Placement, fresh: FreshState, taken: ReadonlySet<string>, turnedBusy: ReadonlySet<string>): string | { addW: number } {
  let addW = 0;
  for (const pn of p.nodes) {
    const node = fresh.node(pn.nodeId);
    if (!node) return `requeued: node ${pn.nodeId} is gone`;
    if (!node.schedulable) return `requeued: node ${pn.nodeId} no longer takes work (down, draining or unhealthy)`;
    if ((node.power ?? 'on') !== 'on') return `requeued: node ${pn.nodeId} is powered ${node.power === 'resuming' ? 'on but not up yet' : 'off'}`;
    const gpus = [];
    for (const idx of pn.gpuIndices) {
      const g = node.gpus[idx]?.index === idx ? node.gpus[idx] : node.gpus.find((x) => x.index === idx);
      if (!g) return `requeued: GPU ${pn.nodeId}/${idx} is gone`;
      if (g.jobId !== undefined || taken.has(`${pn.nodeId}/${idx}`)) return `requeued: GPU ${pn.nodeId}/${idx} was taken`;
      gpus.push(g);
    }
    const hostTurnsBusyW = isBusy(node) || turnedBusy.has(node.id) ? 0 : node.hostBusyW - node.hostIdleW;
    addW += placementW(fresh.pue, gpus, p.powerLimitW, hostTurnsBusyW);
  }
  return { addW };
}

function powerReason(plan: Plan, needW: number, freeW: number): string {
  if (plan.curtail.length > 0) return `power: waiting for ${plan.curtail.length} miner(s) to curtail`;
  return `power: needs ${(needW / 1000).toFixed(1)} kW, ${(Math.max(0, freeW) / 1000).toFixed(1)} kW free under the cap now`;
}

/** The fresh state of a snapshot (the live loop's and the dry run's). */
export function freshOf(site: SiteSnapshot): FreshState {
  const nodes = new Map(site.nodes.map((n) => [n.id, n]));
  const running = new Map(site.running.map((r) => [r.id, r]));
  return {
    pue: site.pue,
    allocatedW: () => siteSplit(site).facilityW,
    budgetW: budgetW(site),
    node: (id) => nodes.get(id),
    running: (id) => running.get(id),
  };
}
