import type { GpuView, MinerView, NodePower, NodeView, SiteSnapshot } from './snapshot.js';
import { facilityOf, isStandby } from './watts.js';

/** One node as a pass sees it: GPUs held, the IT watts of GPUs, host and running miners. */
export interface WorkingNode {
  view: NodeView;
  rack: string;
  busyGpus: number;
  gpuW: number;
  minersW: number;
  /** Free GPUs by model, in index order. */
  free: Map<string, GpuView[]>;
  /** Its power as this pass leaves it (a pass may suspend or resume it). */
  power: NodePower;
}

/** Whether a node takes new work: schedulable and powered on. */
export const placeable = (n: WorkingNode): boolean => n.view.schedulable && n.power === 'on';

export interface Holding {
  pos: number;
  model: string;
  gpus: GpuView[];
}

/** A job's GPUs, with the bounds they share; `pos` and `model` are its first part's. */
export interface Held {
  limitW: number;
  parts: Holding[];
  gpus: number;
  minW: number;
  maxW: number;
  pos: number;
  model: string;
}

export interface RunningMiner {
  id: string;
  pos: number;
  w: number;
  valuePerW: number;
}

export const newHeld = (limitW: number, pos: number, model: string): Held => ({ limitW, parts: [], gpus: 0, minW: 0, maxW: Infinity, pos, model });

export function addGpus(held: Held, gpus: readonly GpuView[]): void {
  for (const g of gpus) {
    held.gpus++;
    if (g.minW > held.minW) held.minW = g.minW;
    if (g.maxW < held.maxW) held.maxW = g.maxW;
  }
}

export function itW(n: WorkingNode): number {
  if (isStandby(n.power)) return n.view.standbyW ?? 0;
  return (n.busyGpus > 0 ? n.view.hostBusyW : n.view.hostIdleW) + n.gpuW + n.minersW;
}

/**
 * What a node's view said when its working node was built, to tell what changed since.
 * Per GPU (in flat site-wide arrays, from `gpuAt`) the view object, the job holding it
 * and its limit; per miner the view and whether it was curtailed. A GPU's or miner's
 * hardware (model, index, power bounds, idle draw, nameplate) is its view object's for
 * life (snapshot.ts): a new object is new hardware.
 */
interface SeenNode {
  view: NodeView;
  schedulable: boolean;
  power: NodePower | undefined;
  hostIdleW: number;
  hostBusyW: number;
  rack: string | undefined;
  gpuAt: number;
  gpus: number;
  minerAt: number;
  miners: number;
}

/** compare()'s answers: bits for what changed. */
const GPUS = 1;
const MINERS = 2;
const POWER = 4;
const STRUCTURE = 8;

/**
 * The site as the last pass saw it, before any tentative change: the working nodes, the
 * GPUs each job holds, free GPUs bucketed by model and free count (each bucket in node
 * order, as a fresh build makes it), the running miners. A driver that keeps its node
 * views between passes (the simulator) gets it kept too: each pass rebuilds only the
 * nodes whose GPUs, miners or power changed (Kueue's snapshot, updated rather than
 * rebuilt): power saving turns servers off and on thousands of times a run, each a
 * change of one node's watts and buckets. A change to the hardware itself (a node
 * drained, a GPU replaced, another PUE) rebuilds it all. Passes never write it: their changes go to a WorkingSite over it.
 */
export class SiteBase {
  readonly pue: number;
  readonly nodes: WorkingNode[];
  readonly holdings = new Map<string, Held>();
  /** model -> buckets[freeCount] -> node positions (schedulable nodes only). */
  readonly buckets = new Map<string, Set<number>[]>();
  /** model -> GPU count of each schedulable node that has the model. */
  readonly capacity = new Map<string, number[]>();
  readonly capable = new Map<string, number>();
  miners: RunningMiner[] = [];
  /** Facility watts allocated, summed in node order (the same bits as a fresh build). */
  allocatedW = 0;
  private byValue: { miners: RunningMiner[]; w: number } | undefined;
  private readonly seen: SeenNode[] = [];
  private readonly seenGpus: GpuView[] = [];
  private readonly seenJobs: (string | undefined)[] = [];
  private readonly seenLimits: (number | undefined)[] = [];
  private readonly seenMiners: MinerView[] = [];
  private readonly seenCurtailed: boolean[] = [];

  constructor(site: SiteSnapshot) {
    this.pue = site.pue;
    for (const view of site.nodes) this.see(view);
    const parts = new Map<string, Holding[]>();
    this.nodes = site.nodes.map((view, pos) => this.readNode(view, pos, parts));
    for (const [jobId, list] of parts) this.holdings.set(jobId, heldOf(list));
    this.nodes.forEach((n, pos) => {
      if (!n.view.schedulable) return;
      for (const [model, total] of gpusByModel(n.view)) {
        // A node powered off still counts as capacity: power saving turns it on for work that needs it.
        (this.capacity.get(model) ?? this.capacity.set(model, []).get(model)!).push(total);
        if (placeable(n)) this.bucket(model, n.free.get(model)?.length ?? 0).add(pos);
        else this.bucket(model, 0);
      }
    });
    this.readMiners();
    this.sumWatts();
  }

  /**
   * Brings the base up to `site`, rebuilding only the nodes whose occupancy (GPUs held,
   * their limits, miners curtailed) or power changed. False when the hardware changed: build anew.
   */
  sync(site: SiteSnapshot): boolean {
    if (site.pue !== this.pue || site.nodes.length !== this.nodes.length) return false;
    const changed: number[] = [];
    let miners = false;
    for (let pos = 0; pos < this.nodes.length; pos++) {
      const how = this.compare(pos, site.nodes[pos]!);
      if (how & STRUCTURE) return false;
      if (how) changed.push(pos);
      if (how & MINERS) miners = true;
    }
    if (changed.length === 0) return true;
    const affected = new Set<string>();
    const fresh = new Map<number, Map<string, Holding[]>>();
    const touched = new Set<Set<number>>();
    for (const pos of changed) {
      const { gpuAt, gpus, minerAt } = this.seen[pos]!;
      for (let i = gpuAt; i < gpuAt + gpus; i++) if (this.seenJobs[i] !== undefined) affected.add(this.seenJobs[i]!);
      const old = this.nodes[pos]!;
      const view = site.nodes[pos]!;
      const here = new Map<string, Holding[]>();
      const node = (this.nodes[pos] = this.readNode(view, pos, here));
      this.seen[pos]!.power = view.power;
      view.gpus.forEach((g, i) => {
        this.seenJobs[gpuAt + i] = g.jobId;
        this.seenLimits[gpuAt + i] = g.limitW;
      });
      view.miners.forEach((m, i) => (this.seenCurtailed[minerAt + i] = m.curtailed));
      fresh.set(pos, here);
      for (const jobId of here.keys()) affected.add(jobId);
      // A node powered off leaves the buckets (placeable only when on); one back on joins them.
      for (const model of gpusByModel(view).keys()) {
        if (placeable(old)) this.buckets.get(model)![old.free.get(model)?.length ?? 0]!.delete(pos);
        if (!placeable(node)) continue;
        const bucket = this.bucket(model, node.free.get(model)?.length ?? 0);
        bucket.add(pos);
        touched.add(bucket);
      }
    }
    this.rehold(affected, new Set(changed), fresh);
    // A fresh build fills each bucket in node order; candidates() reads them in that order.
    for (const bucket of touched) inNodeOrder(bucket);
    if (miners) this.readMiners();
    this.sumWatts();
    return true;
  }

  /** Running miners, least valuable first, and their facility watts (summed in that order). */
  minersByValue(): { miners: readonly RunningMiner[]; w: number } {
    if (!this.byValue) {
      const miners = [...this.miners].sort((a, b) => a.valuePerW - b.valuePerW || (a.id < b.id ? -1 : 1));
      this.byValue = { miners, w: miners.reduce((sum, m) => sum + m.w, 0) };
    }
    return this.byValue;
  }

  /** A node's working entry; the GPUs its jobs hold go into `holdings` (job -> parts, in node order). */
  private readNode(view: NodeView, pos: number, holdings: Map<string, Holding[]>): WorkingNode {
    const free = new Map<string, GpuView[]>();
    let busyGpus = 0;
    let gpuW = 0;
    for (const g of view.gpus) {
      if (g.jobId === undefined) {
        (free.get(g.model) ?? free.set(g.model, []).get(g.model)!).push(g);
        gpuW += g.idleW;
        continue;
      }
      busyGpus++;
      gpuW += g.limitW ?? g.maxW;
      const list = holdings.get(g.jobId) ?? holdings.set(g.jobId, []).get(g.jobId)!;
      let part = list.find((p) => p.pos === pos && p.model === g.model);
      if (!part) list.push((part = { pos, model: g.model, gpus: [] }));
      part.gpus.push(g);
    }
    for (const list of free.values()) list.sort((a, b) => a.index - b.index);
    let minersW = 0;
    for (const m of view.miners) if (!m.curtailed) minersW += m.nameplateW;
    return { view, rack: view.labels['rack'] ?? '', busyGpus, gpuW, minersW, free, power: view.power ?? 'on' };
  }

  /** Rebuilds the holdings of jobs on changed nodes: their parts elsewhere, and the fresh ones, in node order. */
  private rehold(jobs: Set<string>, changed: Set<number>, fresh: Map<number, Map<string, Holding[]>>): void {
    for (const jobId of jobs) {
      const kept = this.holdings.get(jobId)?.parts.filter((p) => !changed.has(p.pos)) ?? [];
      for (const [pos, byJob] of fresh) for (const p of byJob.get(jobId) ?? []) kept.push(p);
      kept.sort((a, b) => a.pos - b.pos); // stable: a node's parts keep their order
      if (kept.length === 0) this.holdings.delete(jobId);
      else this.holdings.set(jobId, heldOf(kept));
    }
  }

  private readMiners(): void {
    const miners: RunningMiner[] = [];
    this.nodes.forEach(({ view }, pos) => {
      for (const m of view.miners) {
        if (!m.curtailed) miners.push({ id: m.id, pos, w: facilityOf(this.pue, m.nameplateW), valuePerW: (m.hashrateThs ?? 0) / m.nameplateW });
      }
    });
    this.miners = miners;
    this.byValue = undefined;
  }

  private sumWatts(): void {
    this.allocatedW = 0;
    for (const n of this.nodes) this.allocatedW += facilityOf(this.pue, itW(n));
  }

  private see(view: NodeView): void {
    const { schedulable, power, hostIdleW, hostBusyW, gpus, miners } = view;
    this.seen.push({ view, schedulable, power, hostIdleW, hostBusyW, rack: view.labels['rack'], gpuAt: this.seenGpus.length, gpus: gpus.length, minerAt: this.seenMiners.length, miners: miners.length });
    for (const g of gpus) {
      this.seenGpus.push(g);
      this.seenJobs.push(g.jobId);
      this.seenLimits.push(g.limitW);
    }
    for (const m of miners) {
      this.seenMiners.push(m);
      this.seenCurtailed.push(m.curtailed);
    }
  }

  /** How a node's view differs from what was seen: GPUs held or their limits, miners curtailed, power, or its hardware (bits). */
  private compare(pos: number, view: NodeView): number {
    const s = this.seen[pos]!;
    if (s.view !== view || s.schedulable !== view.schedulable || s.hostIdleW !== view.hostIdleW || s.hostBusyW !== view.hostBusyW) return STRUCTURE;
    const { gpus, miners } = view;
    if (s.gpus !== gpus.length || s.miners !== miners.length || s.rack !== view.labels['rack']) return STRUCTURE;
    let how = s.power !== view.power ? POWER : 0;
    for (let i = 0, k = s.gpuAt; i < gpus.length; i++, k++) {
      const g = gpus[i]!;
      if (this.seenGpus[k] !== g) return STRUCTURE;
      if (this.seenJobs[k] !== g.jobId || this.seenLimits[k] !== g.limitW) how |= GPUS;
    }
    for (let i = 0, k = s.minerAt; i < miners.length; i++, k++) {
      const m = miners[i]!;
      if (this.seenMiners[k] !== m) return STRUCTURE;
      if (this.seenCurtailed[k] !== m.curtailed) how |= MINERS;
    }
    return how;
  }

  private bucket(model: string, free: number): Set<number> {
    const buckets = this.buckets.get(model) ?? this.buckets.set(model, []).get(model)!;
    while (buckets.length <= free) buckets.push(new Set());
    return buckets[free]!;
  }
}

function heldOf(parts: Holding[]): Held {
  const first = parts[0]!;
  const g = first.gpus[0]!;
  const held = newHeld(g.limitW ?? g.maxW, first.pos, first.model);
  for (const p of parts) {
    held.parts.push(p);
    addGpus(held, p.gpus);
  }
  return held;
}

/** GPUs per model of a node, models in the order its GPUs list them. */
function gpusByModel(view: NodeView): Map<string, number> {
  const totals = new Map<string, number>();
  for (const g of view.gpus) totals.set(g.model, (totals.get(g.model) ?? 0) + 1);
  return totals;
}

function inNodeOrder(bucket: Set<number>): void {
  const sorted = [...bucket].sort((a, b) => a - b);
  bucket.clear();
  for (const pos of sorted) bucket.add(pos);
}

