import { WattpackError } from '@wattpack/common';
import type { GpuView, LimitReason, MinerView, Placement, Plan, SiteSplit } from '@wattpack/scheduler/core';
import { QUEUED, RUNNING, STOPPING, type JobTable } from './job-table.js';
import type { JobTransitions } from './job-transitions.js';
import type { Metrics } from './metrics.js';
import type { SiteHardware } from './site-file.js';

/**
 * Applies a whole plan to the simulated hardware, in the plan's order: preemptions, power
 * changes, placements, curtailments, resumptions. Verified as it goes: a placement on a
 * held or missing GPU, an unknown job, node or miner, a limit outside a GPU's range, a
 * job in the wrong state is an error, not a silent fix. The GPUs and miners change
 * here; what that means for each job is JobTransitions'.
 */
export class PlanApplier {
  private readonly nodeIndex = new Map<string, number>();
  private readonly minerIndex = new Map<string, { miner: MinerView; pos: number }>();

  constructor(
    private readonly hw: SiteHardware,
    private readonly jobs: JobTable,
    private readonly lifecycle: JobTransitions,
    private readonly watts: SiteSplit,
    private readonly metrics: Metrics,
    /** TH/s of one miner. */
    private readonly minerThs: number,
  ) {
    hw.nodes.forEach((node, pos) => this.nodeIndex.set(node.id, pos));
    hw.nodes.forEach((node, pos) => node.miners.forEach((miner) => this.minerIndex.set(miner.id, { miner, pos })));
  }

  /** Applies the plan at t; true if it did more than start jobs (preempted, changed limits, curtailed or woke miners). */
  apply(p: Plan, t: number): boolean {
    let changed = false;
    for (const pre of p.preemptions) if (this.preempt(this.jobIndex(pre.jobId, 'preemption'), t)) changed = true;
    for (const pc of p.powerChanges) {
      const j = this.jobIndex(pc.jobId, 'power change');
      // Preempted in this same pass with no grace: it has already left its GPUs.
      if (!this.lifecycle.holds(j) && this.jobs.preempted[j]! > 0) continue;
      if (this.changePower(j, pc.powerLimitW, t, pc.why)) changed = true;
    }
    for (const pl of p.placements) this.place(this.jobIndex(pl.jobId, 'placement'), pl, t);
    for (const id of p.curtail) if (this.setCurtailed(id, true, t)) changed = true;
    for (const id of p.resume) if (this.setCurtailed(id, false, t)) changed = true;
    return changed;
  }

  private preempt(j: number, t: number): boolean {
    if (this.jobs.state[j] === STOPPING) return false;
    if (this.jobs.state[j] !== RUNNING) this.error(t, `preemption of ${this.jobs.ids[j]}, which is not running`);
    this.lifecycle.preempt(j, t);
    return true;
  }

  /** Gives the placement's GPUs to job j at its limit, then starts it. */
  private place(j: number, pl: Placement, t: number): void {
    if (this.jobs.state[j] !== QUEUED) this.error(t, `placement of ${pl.jobId}, which is not queued`);
    const limitW = pl.powerLimitW;
    const gpus: GpuView[] = [];
    const positions: number[] = [];
    let maxW = Infinity;
    for (const pn of pl.nodes) {
      const pos = this.nodeIndex.get(pn.nodeId);
      if (pos === undefined) this.error(t, `placement of ${pl.jobId} on unknown node ${pn.nodeId}`);
      positions.push(pos);
      this.watts.changed(pos);
      const node = this.hw.nodes[pos]!;
      for (const idx of pn.gpuIndices) {
        const g = node.gpus[idx]?.index === idx ? node.gpus[idx]! : node.gpus.find((x) => x.index === idx);
        if (!g) this.error(t, `placement of ${pl.jobId} on missing GPU ${pn.nodeId}/${idx}`);
        if (g.jobId !== undefined) this.error(t, `placement of ${pl.jobId} on ${pn.nodeId}/${idx}, held by ${g.jobId}`);
        g.jobId = pl.jobId;
        g.limitW = limitW;
        gpus.push(g);
        if (g.maxW < maxW) maxW = g.maxW;
      }
    }
    this.lifecycle.start(j, gpus, positions, maxW, limitW, t);
  }

  private changePower(j: number, limitW: number, t: number, why: LimitReason): boolean {
    if (!this.lifecycle.holds(j)) this.error(t, `power change for ${this.jobs.ids[j]}, which is not running`);
    const gpus = this.jobs.held[j]!;
    for (const g of gpus) {
      if (limitW < g.minW || limitW > g.maxW) this.error(t, `power change for ${this.jobs.ids[j]} to ${limitW} W, outside ${g.minW}-${g.maxW} W`);
    }
    const r = this.jobs.runningView[j]!;
    if (r.powerLimitW === limitW) return false;
    for (const g of gpus) g.limitW = limitW;
    for (const pos of this.jobs.heldNodes[j]!) this.watts.changed(pos);
    r.powerLimitW = limitW;
    this.lifecycle.changeLimit(j, limitW, why === 'right-size', t);
    return true;
  }

  private setCurtailed(id: string, curtailed: boolean, t: number): boolean {
    const found = this.minerIndex.get(id);
    if (!found) this.error(t, `${curtailed ? 'curtail' : 'resume'} of unknown miner ${id}`);
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

  private error(t: number, message: string): never {
    throw new WattpackError('INTERNAL', `plan at t=${t}s: ${message}`);
  }
}
