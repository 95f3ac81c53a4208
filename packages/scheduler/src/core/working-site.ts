import { Kept } from './kept.js';
import { addGpus, itW, newHeld, placeable, SiteBase, type Held, type RunningMiner, type WorkingNode } from './site-base.js';
import type { GpuView, NodePower, NodeView, PlacedNode, SiteSnapshot } from './snapshot.js';
import { budgetW, facilityOf, limitChangeW } from './watts.js';

/** The kept base of each driver's node list: a driver that keeps its views between passes reuses it. */
const bases = new Kept<readonly NodeView[], SiteBase>();

/**
 * A what-if copy of the site for one planning pass. Free GPUs are indexed by model and
 * free count, so finding a node is a bucket lookup, not a scan; facility watts are
 * kept up to date on every take, release and limit change, with the same rules as
 * watts.ts. The snapshot itself is never mutated.
 *
 * Copy-on-write over a SiteBase (site-base.ts): the pass reads the base and copies a
 * node, a bucket or a job's holding only when it first changes it, so a pass costs what
 * it changes, not the site's size; dropping the copy undoes its tentative changes.
 */
export class WorkingSite {
  readonly pue: number;
  budgetW: number;
  allocatedW: number;
  /** Nodes, buckets (model -> by free count) and holdings (undefined: released) this copy changed. */
  private readonly nodes = new Map<number, WorkingNode>();
  private readonly buckets = new Map<string, (Set<number> | undefined)[]>();
  private readonly holdings = new Map<string, Held | undefined>();
  /** Counts changes to GPUs, limits, miners and power: a what-if may remember its answer while it stands still. */
  private changes = 0;

  private constructor(private readonly base: SiteBase, budget: number) {
    this.pue = base.pue;
    this.budgetW = budget;
    this.allocatedW = base.allocatedW;
  }

  /** The working copy of `site` for one pass: over the base kept for its node list, brought up to date. */
  static of(site: SiteSnapshot): WorkingSite {
    let base = bases.get(site.nodes);
    if (!base || !base.sync(site)) {
      base = new SiteBase(site);
      bases.set(site.nodes, base);
    }
    return new WorkingSite(base, meteredBudgetW(site));
  }

  /** The same, built from nothing (tests compare the two). */
  static fresh(site: SiteSnapshot): WorkingSite {
    return new WorkingSite(new SiteBase(site), meteredBudgetW(site));
  }

  /** Which base this copy is over: a new one when the site's hardware changed. */
  get baseKey(): object {
    return this.base;
  }

  get version(): number {
    return this.changes;
  }

  get models(): string[] {
    return [...this.base.buckets.keys()];
  }

  /** Facility watts left under the budget. */
  get freeW(): number {
    return this.budgetW - this.allocatedW;
  }

  /** Running miners, least valuable first, and their facility watts. */
  minersByValue(): { miners: readonly RunningMiner[]; w: number } {
    return this.base.minersByValue();
  }

  /** Schedulable nodes that have at least `gpus` GPUs of `model` in total, busy or not. */
  capableNodes(model: string, gpus: number): number {
    const key = `${model}/${gpus}`;
    let n = this.base.capable.get(key);
    if (n === undefined) this.base.capable.set(key, (n = (this.base.capacity.get(model) ?? []).filter((t) => t >= gpus).length));
    return n;
  }

  /**
   * Up to `limit` nodes with at least `gpus` free GPUs of `model`, best fit first
   * (fewest free GPUs left over), so large holes stay for large jobs.
   */
  candidates(model: string, gpus: number, limit: number, skip?: ReadonlySet<number>): number[] {
    const base = this.base.buckets.get(model);
    const out: number[] = [];
    if (!base) return out;
    const own = this.buckets.get(model);
    const top = Math.max(base.length, own?.length ?? 0);
    for (let free = gpus; free < top && out.length < limit; free++) {
      const bucket = own?.[free] ?? base[free];
      if (!bucket) continue;
      for (const pos of bucket) {
        if (skip?.has(pos)) continue;
        out.push(pos);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  rackOf(pos: number): string {
    return this.node(pos).rack;
  }

  nodeId(pos: number): string {
    return this.node(pos).view.id;
  }

  freeCount(pos: number, model: string): number {
    return this.node(pos).free.get(model)?.length ?? 0;
  }

  /** The GPUs a placement would take, and the host watts it adds by waking an idle host. */
  peek(pos: number, model: string, gpus: number): { gpus: GpuView[]; hostTurnsBusyW: number } {
    const n = this.node(pos);
    return {
      gpus: (n.free.get(model) ?? []).slice(0, gpus),
      hostTurnsBusyW: n.busyGpus > 0 || gpus === 0 ? 0 : n.view.hostBusyW - n.view.hostIdleW,
    };
  }

  /** Takes GPUs for a job at a per-GPU limit and counts their watts. */
  take(jobId: string, pos: number, model: string, gpus: number, limitW: number): PlacedNode {
    const n = this.ownNode(pos);
    const list = n.free.get(model) ?? [];
    const before = list.length;
    const taken = list.splice(0, gpus);
    this.change(n, () => {
      n.busyGpus += taken.length;
      for (const g of taken) n.gpuW += limitW - g.idleW;
    });
    this.moveBucket(pos, model, before, list.length);
    const held = this.ownHeld(jobId) ?? this.holdings.set(jobId, newHeld(limitW, pos, model)).get(jobId)!;
    held.parts.push({ pos, model, gpus: taken });
    addGpus(held, taken);
    return { nodeId: n.view.id, gpuIndices: taken.map((g) => g.index), gpuModel: model };
  }

  /** Gives a job's GPUs and watts back (what-ifs: reservations, preemption). */
  release(jobId: string): void {
    const held = this.held(jobId);
    if (!held) return;
    this.holdings.set(jobId, undefined);
    for (const part of held.parts) {
      const n = this.ownNode(part.pos);
      const list = n.free.get(part.model) ?? n.free.set(part.model, []).get(part.model)!;
      const before = list.length;
      list.push(...part.gpus);
      list.sort((a, b) => a.index - b.index);
      this.change(n, () => {
        n.busyGpus -= part.gpus.length;
        for (const g of part.gpus) n.gpuW -= held.limitW - g.idleW;
      });
      if (placeable(n)) this.moveBucket(part.pos, part.model, before, list.length);
    }
  }

  /** Facility watts a job's GPUs would add or free if its per-GPU limit became `limitW`. */
  limitDeltaW(jobId: string, limitW: number): number {
    const held = this.held(jobId);
    if (!held) return 0;
    const gpus = held.parts.reduce((sum, p) => sum + p.gpus.length, 0);
    return limitChangeW(this.pue, gpus, held.limitW, limitW);
  }

  setLimit(jobId: string, limitW: number): void {
    const held = this.ownHeld(jobId);
    if (!held) return;
    const delta = limitW - held.limitW;
    for (const part of held.parts) {
      const n = this.ownNode(part.pos);
      this.change(n, () => (n.gpuW += delta * part.gpus.length));
    }
    held.limitW = limitW;
  }

  limitOf(jobId: string): number | undefined {
    return this.held(jobId)?.limitW;
  }

  /** A held job's GPU count, the power bounds its GPUs share, its limit, and its first node and model. */
  boundsOf(jobId: string): Readonly<{ gpus: number; minW: number; maxW: number; limitW: number; pos: number; model: string }> | undefined {
    const held = this.held(jobId);
    return held && held.parts.length > 0 ? held : undefined;
  }

  nodeShape(pos: number): { nodeGpus: number; hostBusyW: number } {
    const v = this.node(pos).view;
    return { nodeGpus: v.gpus.length, hostBusyW: v.hostBusyW };
  }

  /** Positions of the nodes a job holds GPUs on. */
  nodesOf(jobId: string): number[] {
    return this.held(jobId)?.parts.map((p) => p.pos) ?? [];
  }

  setMinerRunning(pos: number, w: number, running: boolean): void {
    const n = this.ownNode(pos);
    this.change(n, () => (n.minersW += ((running ? 1 : -1) * w) / this.pue));
  }

  get nodeCount(): number {
    return this.base.nodes.length;
  }

  /** A node's view (its hardware and timers), whether any GPU of it is held, and its power in this pass. */
  nodeState(pos: number): { view: NodeView; busy: boolean; power: NodePower } {
    const n = this.node(pos);
    return { view: n.view, busy: n.busyGpus > 0, power: n.power };
  }

  /**
   * Powers a node off (suspending: still idle watts until its BMC confirms it off) or on
   * (resuming: idle watts, still no work until it reports on). An idle node leaves the
   * free buckets when it goes off.
   */
  setPower(pos: number, power: NodePower): void {
    const n = this.ownNode(pos);
    if (placeable(n)) for (const [model, list] of n.free) this.ownBucket(model, list.length)?.delete(pos);
    this.change(n, () => (n.power = power));
  }

  /** An independent copy for a what-if that must not touch this pass's state: it copies only what this one changed. */
  clone(): WorkingSite {
    const copy = new WorkingSite(this.base, this.budgetW);
    copy.allocatedW = this.allocatedW;
    for (const [pos, n] of this.nodes) copy.nodes.set(pos, copyNode(n));
    for (const [model, sets] of this.buckets) copy.buckets.set(model, sets.map((s) => s && new Set(s)));
    for (const [id, h] of this.holdings) copy.holdings.set(id, h && { ...h, parts: h.parts.slice() });
    return copy;
  }

  private node(pos: number): WorkingNode {
    return this.nodes.get(pos) ?? this.base.nodes[pos]!;
  }

  private ownNode(pos: number): WorkingNode {
    let n = this.nodes.get(pos);
    if (!n) this.nodes.set(pos, (n = copyNode(this.base.nodes[pos]!)));
    return n;
  }

  private held(jobId: string): Held | undefined {
    return this.holdings.has(jobId) ? this.holdings.get(jobId) : this.base.holdings.get(jobId);
  }

  private ownHeld(jobId: string): Held | undefined {
    if (this.holdings.has(jobId)) return this.holdings.get(jobId);
    const h = this.base.holdings.get(jobId);
    if (!h) return undefined;
    const own = { ...h, parts: h.parts.slice() };
    this.holdings.set(jobId, own);
    return own;
  }

  /** Applies a change to a node and moves the facility total by its effect. */
  private change(n: WorkingNode, mutate: () => void): void {
    this.changes++;
    const before = itW(n);
    mutate();
    this.allocatedW += facilityOf(this.pue, itW(n) - before);
  }

  private moveBucket(pos: number, model: string, from: number, to: number): void {
    if (!this.base.buckets.has(model) || !placeable(this.node(pos))) return;
    this.ownBucket(model, from)?.delete(pos);
    this.ownBucket(model, to, true)!.add(pos);
  }

  private ownBucket(model: string, free: number, create = false): Set<number> | undefined {
    const own = this.buckets.get(model) ?? this.buckets.set(model, []).get(model)!;
    let bucket = own[free];
    if (!bucket) {
      const base = this.base.buckets.get(model)![free];
      if (!base && !create) return undefined;
      own[free] = bucket = new Set(base);
    }
    return bucket;
  }
}

function copyNode(n: WorkingNode): WorkingNode {
  return { ...n, free: new Map([...n.free].map(([m, l]) => [m, l.slice()])) };
}

/** The budget in modeled watts: the meter's factor applies to every modeled watt, so model x factor <= budget. */
const meteredBudgetW = (site: SiteSnapshot): number => budgetW(site) / (site.meterFactor ?? 1);
