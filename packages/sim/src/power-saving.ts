import type { PowerSaving } from '@wattpack/common';
import type { NodeView, SiteSplit } from '@wattpack/scheduler/core';

/** What power saving did over a replay. */
export interface PowerSavingStats {
  suspends: number;
  resumes: number;
  /** Node-seconds spent off (standby) or booting. */
  offNodeS: number;
  bootingNodeS: number;
}

/**
 * The simulated servers' power (site setting powerSaving): a server told to power off is
 * off at once (a graceful shutdown takes seconds against a boot's minutes); one told to
 * power on boots for resumeTime, at idle watts, then takes work. Each server's idle timer
 * (idleSinceMs) starts at the first pass that finds it idle, as a controller polling its
 * nodes sees it; the replay wakes for the first timer due and each boot's end.
 */
export class SimPower {
  readonly stats: PowerSavingStats = { suspends: 0, resumes: 0, offNodeS: 0, bootingNodeS: 0 };
  /** Boots in progress, in the order they end (one boot time for all). */
  private readonly boots: { pos: number; atS: number }[] = [];
  private readonly index = new Map<string, number>();
  private nextTimerS = Infinity;
  private off = 0;
  private t = 0;

  constructor(
    private readonly nodes: readonly NodeView[],
    /** GPU servers are nodes[0, gpuNodes). */
    private readonly gpuNodes: number,
    private readonly setting: PowerSaving,
    private readonly watts: SiteSplit,
  ) {
    for (let pos = 0; pos < gpuNodes; pos++) {
      nodes[pos]!.standbyW = setting.standbyW;
      this.index.set(nodes[pos]!.id, pos);
    }
  }

  /** Before a pass at t: starts idle servers' timers, stops busy ones'. */
  beforePass(t: number): void {
    const after = this.setting.suspendAfter;
    let next = Infinity;
    for (let pos = 0; pos < this.gpuNodes; pos++) {
      const n = this.nodes[pos]!;
      if ((n.power ?? 'on') !== 'on') continue;
      if (n.gpus.some((g) => g.jobId !== undefined)) n.idleSinceMs = undefined;
      else {
        n.idleSinceMs ??= t * 1000;
        // A timer already run out (a server kept on: excluded, reserved, minIdleNodes) wakes nothing.
        const dueS = n.idleSinceMs / 1000 + (after === 'never' ? Infinity : after);
        if (dueS > t && dueS < next) next = dueS;
      }
    }
    this.nextTimerS = next;
  }

  /** The next instant a boot ends or an idle timer runs out. */
  nextAtS(): number {
    return Math.min(this.boots[0]?.atS ?? Infinity, this.nextTimerS);
  }

  /** Boots that end by t come up; true when something is due (a pass should look). */
  due(t: number): boolean {
    this.integrateTo(t);
    let due = t >= this.nextTimerS;
    if (due) this.nextTimerS = Infinity;
    while (this.boots.length > 0 && this.boots[0]!.atS <= t) {
      const { pos } = this.boots.shift()!;
      this.set(pos, 'on', t);
      due = true;
    }
    return due;
  }

  /** A plan's node power commands at t. */
  apply(ids: readonly string[], action: 'suspend' | 'resume' | 'down', t: number): void {
    for (const id of ids) {
      const pos = this.index.get(id);
      if (pos === undefined) throw new Error(`plan at t=${t}s: ${action} of unknown node ${id}`);
      const n = this.nodes[pos]!;
      const power = n.power ?? 'on';
      if (action === 'suspend') {
        if (power !== 'on' || n.gpus.some((g) => g.jobId !== undefined)) throw new Error(`plan at t=${t}s: suspend of ${id}, which is ${power === 'on' ? 'busy' : power}`);
        this.set(pos, 'off', t);
        this.stats.suspends++;
      } else if (action === 'resume') {
        if (power !== 'off') throw new Error(`plan at t=${t}s: resume of ${id}, which is ${power}`);
        this.set(pos, 'resuming', t);
        n.resumedAtMs = t * 1000;
        this.boots.push({ pos, atS: t + this.setting.resumeTime });
        this.stats.resumes++;
      } else throw new Error(`plan at t=${t}s: ${id} marked down, but simulated servers always boot`);
    }
  }

  /** Integrates node-seconds off and booting up to t. */
  integrateTo(t: number): void {
    const dt = t - this.t;
    if (dt <= 0) return;
    this.stats.offNodeS += this.off * dt;
    this.stats.bootingNodeS += this.boots.length * dt;
    this.t = t;
  }

  private set(pos: number, power: 'on' | 'off' | 'resuming', t: number): void {
    this.integrateTo(t);
    const n = this.nodes[pos]!;
    if (n.power === 'off') this.off--;
    if (power === 'off') this.off++;
    n.power = power;
    n.idleSinceMs = undefined;
    this.watts.changed(pos);
  }
}
