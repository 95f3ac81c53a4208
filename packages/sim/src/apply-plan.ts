import { WattpackError } from '@wattpack/common';
import { applyPlan, budgetW } from '@wattpack/scheduler/core';
import type { Applied, FreshState, GpuView, MinerView, Placement, Plan, PlanTarget, PowerChange, Preemption, SiteSnapshot, SiteSplit } from '@wattpack/scheduler/core';
import { QUEUED, RUNNING, STOPPING, type JobTable } from './job-table.js';
import type { JobTransitions } from './job-transitions.js';
import type { Metrics } from './metrics.js';
import type { SimPower } from './power-saving.js';
import type { SiteHardware } from './site-file.js';

/**
 * The simulated hardware as the driver's target (core/driver.ts applies the plan, in its
 * one order, after re-verifying it against the hardware as it is). Checked as it goes: a
 * placement on a held or missing GPU, an unknown job, node or miner, a limit outside a
 * GPU's range, a job in the wrong state is an error, not a silent fix. The GPUs and
 * miners change here; what that means for each job is JobTransitions'.
 */
export class PlanApplier implements PlanTarget<void> {
  private readonly nodeIndex = new Map<string, number>();
  private readonly minerIndex = new Map<string, { miner: MinerView; pos: number }>();

  /** The instant being applied, and whether the plan did more than start jobs. */
  private t = 0;
  private changed = false;

  constructor(
    private readonly snap: SiteSnapshot,
    private readonly hw: SiteHardware,
    private readonly jobs: JobTable,
    private readonly lifecycle: JobTransitions,
    private readonly watts: SiteSplit,
    private readonly metrics: Metrics,
    /** TH/s of one miner. */
    private readonly minerThs: number,
    /** The servers' power, when the site saves power. */
    private readonly power?: SimPower,
  ) {
    hw.nodes.forEach((node, pos) => this.nodeIndex.set(node.id, pos));
    hw.nodes.forEach((node, pos) => node.miners.forEach((miner) => this.minerIndex.set(miner.id, { miner, pos })));
  }

  /** Applies the plan at t: what committed, and whether it did more than start jobs (preempted, changed limits, curtailed or woke miners). */
  apply(p: Plan, t: number): { applied: Applied; changed: boolean } {
    this.t = t;
    this.changed = false;
    const applied = applyPlan(p, this);
    return { applied, changed: this.changed };
  }

  /** Nothing changes between a pass's plan and its commit here: the hardware as the plan saw it. */
  fresh(): FreshState {
    return {
      pue: this.snap.pue,
      allocatedW: () => this.watts.total().facilityW,
      budgetW: budgetW(this.snap),
      node: (id) => {
        const pos = this.nodeIndex.get(id);
        return pos === undefined ? undefined : this.hw.nodes[pos];
      },
      running: (id) => {
        const j = this.jobs.idIndex.get(id);
        return j === undefined ? undefined : this.jobs.runningView[j];
      },
    };
  }

  preempt(pre: Preemption): void {
    const j = this.jobIndex(pre.jobId, 'preemption');
    if (this.jobs.state[j] === STOPPING) return;
    if (this.jobs.state[j] !== RUNNING) this.error(`preemption of ${this.jobs.ids[j]}, which is not running`);
    this.lifecycle.preempt(j, this.t);
    this.changed = true;
  }

  setLimit(pc: PowerChange): void {
    const j = this.jobIndex(pc.jobId, 'power change');
    // Preempted in this same pass with no grace: it has already left its GPUs.
    if (!this.lifecycle.holds(j) && this.jobs.preempted[j]! > 0) return;
    if (this.changePower(j, pc.powerLimitW, pc.why === 'right-size')) this.changed = true;
  }

  miners(ids: readonly string[], action: 'curtail' | 'resume'): void {
    for (const id of ids) if (this.setCurtailed(id, action === 'curtail')) this.changed = true;
  }

  nodePower(ids: readonly string[], action: 'suspend' | 'resume' | 'down'): void {
    if (!this.power) this.error(`${action} of ${ids.join(', ')} on a site without powerSaving`);
    this.power.apply(ids, action, this.t);
    this.changed = true;
  }

  /** The simulator keeps no reasons: the engine counts waiting jobs from the plan. */
  wait(): void {}

  /** Gives the placement's GPUs to its job at its limit, then starts it. */
  place(pl: Placement): void {
    const { t } = this;
    const j = this.jobIndex(pl.jobId, 'placement');
    if (this.jobs.state[j] !== QUEUED) this.error(`placement of ${pl.jobId}, which is not queued`);
    const limitW = pl.powerLimitW;
    const gpus: GpuView[] = [];
    const positions: number[] = [];
    let maxW = Infinity;
    for (const pn of pl.nodes) {
      const pos = this.nodeIndex.get(pn.nodeId);
      if (pos === undefined) this.error(`placement of ${pl.jobId} on unknown node ${pn.nodeId}`);
      positions.push(pos);
      this.watts.changed(pos);
      const node = this.hw.nodes[pos]!;
      for (const idx of pn.gpuIndices) {
        const g = node.gpus[idx]?.index === idx ? node.gpus[idx]! : node.gpus.find((x) => x.index === idx);
        if (!g) this.error(`placement of ${pl.jobId} on missing GPU ${pn.nodeId}/${idx}`);
        if (g.jobId !== undefined) this.error(`placement of ${pl.jobId} on ${pn.nodeId}/${idx}, held by ${g.jobId}`);
        g.jobId = pl.jobId;
        g.limitW = limitW;
        gpus.push(g);
        if (g.maxW < maxW) maxW = g.maxW;
      }
    }
    this.lifecycle.start(j, gpus, positions, maxW, limitW, t);
  }

  private changePower(j: number, limitW: number, rightSized: boolean): boolean {
    if (!this.lifecycle.holds(j)) this.error(`power change for ${this.jobs.ids[j]}, which is not running`);
    const gpus = this.jobs.held[j]!;
    for (const g of gpus) {
      if (limitW < g.minW || limitW > g.maxW) this.error(`power change for ${this.jobs.ids[j]} to ${limitW} W, outside ${g.minW}-${g.maxW} W`);
    }
    const r = this.jobs.runningView[j]!;
    if (r.powerLimitW === limitW) return false;
    for (const g of gpus) g.limitW = limitW;
    for (const pos of this.jobs.heldNodes[j]!) this.watts.changed(pos);
    r.powerLimitW = limitW;
    this.lifecycle.changeLimit(j, limitW, rightSized, this.t);
    return true;
  }

  private setCurtailed(id: string, curtailed: boolean): boolean {
    const found = this.minerIndex.get(id);
    if (!found) this.error(`${curtailed ? 'curtail' : 'resume'} of unknown miner ${id}`);
    const m = found.miner;
    if (m.curtailed === curtailed) return false;
    m.curtailed = curtailed;
    this.watts.changed(found.pos);
    this.metrics.activeThs += curtailed ? -this.minerThs : this.minerThs;
    return true;
  }

  private jobIndex(id: string, what: string): number {
    const j = this.jobs.idIndex.get(id);
    if (j === undefined) throw new WattpackError('INTERNAL', `plan: ${what} for unknown job ${id}`);
    return j;
  }

  private error(message: string): never {
    throw new WattpackError('INTERNAL', `plan at t=${this.t}s: ${message}`);
  }
}
