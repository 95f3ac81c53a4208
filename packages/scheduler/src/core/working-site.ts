import type { GpuView, NodeView, PlacedNode, SiteSnapshot } from './snapshot.js';
import { budgetW } from './watts.js';

interface WorkingNode {
  view: NodeView;
  rack: string;
  /** GPUs held now, and the IT watts of GPUs, host and running miners. */
  busyGpus: number;
  gpuW: number;
  minersW: number;
  /** Free GPUs by model, in index order. */
  free: Map<string, GpuView[]>;
}

interface Holding {
  pos: number;
  model: string;
  gpus: GpuView[];
}

/** A job's GPUs in this pass, with the bounds they share (kept as GPUs are added). */
interface Held {
  limitW: number;
  parts: Holding[];
  gpus: number;
  minW: number;
  maxW: number;
}

const newHeld = (limitW: number): Held => ({ limitW, parts: [], gpus: 0, minW: 0, maxW: Infinity });

function addGpus(held: Held, gpus: readonly GpuView[]): void {
  for (const g of gpus) {
    held.gpus++;
    if (g.minW > held.minW) held.minW = g.minW;
    if (g.maxW < held.maxW) held.maxW = g.maxW;
  }
}

/**
 * GPUs per model of a node: fixed for a node's life, and asked every pass. A driver that
 * keeps its views between passes (the simulator) gets them counted once.
 */
const modelTotals = new WeakMap<NodeView, Map<string, number>>();
function gpusByModel(view: NodeView): Map<string, number> {
  let totals = modelTotals.get(view);
  if (totals && sumOf(totals) === view.gpus.length) return totals;
  totals = new Map<string, number>();
  for (const g of view.gpus) totals.set(g.model, (totals.get(g.model) ?? 0) + 1);
  modelTotals.set(view, totals);
  return totals;
}
const sumOf = (m: Map<string, number>) => {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
};

/**
 * A what-if copy of the site for one planning pass. Free GPUs are indexed by model and
 * free count, so finding a node is a bucket lookup, not a scan; facility watts are
 * kept up to date on every take, release and limit change, with the same rules as
 * watts.ts. The snapshot itself is never mutated.
 */
export class WorkingSite {
  readonly pue: number;
  budgetW: number;
  allocatedW = 0;
  private readonly nodes: WorkingNode[];
  /** model -> buckets[freeCount] -> node positions (schedulable nodes only). */
  private readonly buckets = new Map<string, Set<number>[]>();
  /** model -> GPU count of each schedulable node that has the model. */
  private readonly capacity = new Map<string, number[]>();
  private readonly capable = new Map<string, number>();
  private readonly holdings = new Map<string, Held>();
  /** Running miners: node position and facility watts, for curtailment. */
  readonly miners: { id: string; pos: number; w: number; valuePerW: number }[] = [];

  constructor(site: SiteSnapshot) {
    this.pue = site.pue;
    // The meter's factor on every modeled watt, applied once here: model x factor <= budget.
    this.budgetW = budgetW(site) / (site.meterFactor ?? 1);
    this.nodes = site.nodes.map((view, pos) => {
      const free = new Map<string, GpuView[]>();
      let busyGpus = 0;
      let gpuW = 0;
      for (const g of view.gpus) {
        if (g.jobId === undefined) {
          (free.get(g.model) ?? free.set(g.model, []).get(g.model)!).push(g);
          gpuW += g.idleW;
        } else {
          busyGpus++;
          gpuW += g.limitW ?? g.maxW;
          const held = this.holdings.get(g.jobId) ?? this.holdings.set(g.jobId, newHeld(g.limitW ?? g.maxW)).get(g.jobId)!;
          let part = held.parts.find((p) => p.pos === pos && p.model === g.model);
          if (!part) held.parts.push((part = { pos, model: g.model, gpus: [] }));
          part.gpus.push(g);
          addGpus(held, [g]);
        }
      }
      for (const list of free.values()) list.sort((a, b) => a.index - b.index);
      let minersW = 0;
      for (const m of view.miners) {
        if (m.curtailed) continue;
        minersW += m.nameplateW;
        this.miners.push({ id: m.id, pos, w: this.pue * m.nameplateW, valuePerW: (m.hashrateThs ?? 0) / m.nameplateW });
      }
      return { view, rack: view.labels['rack'] ?? '', busyGpus, gpuW, minersW, free };
    });
    for (const n of this.nodes) this.allocatedW += this.pue * this.itW(n);
    this.nodes.forEach((n, pos) => {
      if (!n.view.schedulable) return;
      for (const [model, total] of gpusByModel(n.view)) {
        (this.capacity.get(model) ?? this.capacity.set(model, []).get(model)!).push(total);
        this.bucket(model, n.free.get(model)?.length ?? 0).add(pos);
      }
    });
  }

  get models(): string[] {
    return [...this.buckets.keys()];
  }

  /** Facility watts left under the budget. */
  get freeW(): number {
    return this.budgetW - this.allocatedW;
  }

  /** Schedulable nodes that have at least `gpus` GPUs of `model` in total, busy or not. */
  capableNodes(model: string, gpus: number): number {
    const key = `${model}/${gpus}`;
    let n = this.capable.get(key);
    if (n === undefined) this.capable.set(key, (n = (this.capacity.get(model) ?? []).filter((t) => t >= gpus).length));
    return n;
  }

  /**
   * Up to `limit` nodes with at least `gpus` free GPUs of `model`, best fit first
   * (fewest free GPUs left over), so large holes stay for large jobs.
   */
  candidates(model: string, gpus: number, limit: number, skip?: ReadonlySet<number>): number[] {
    const buckets = this.buckets.get(model);
    const out: number[] = [];
    if (!buckets) return out;
    for (let free = gpus; free < buckets.length && out.length < limit; free++) {
      const bucket = buckets[free];
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
    return this.nodes[pos]!.rack;
  }

  nodeId(pos: number): string {
    return this.nodes[pos]!.view.id;
  }

  freeCount(pos: number, model: string): number {
    return this.nodes[pos]!.free.get(model)?.length ?? 0;
  }

  /** The GPUs a placement would take, and the host watts it adds by waking an idle host. */
  peek(pos: number, model: string, gpus: number): { gpus: GpuView[]; hostTurnsBusyW: number } {
    const n = this.nodes[pos]!;
    return {
      gpus: (n.free.get(model) ?? []).slice(0, gpus),
      hostTurnsBusyW: n.busyGpus > 0 || gpus === 0 ? 0 : n.view.hostBusyW - n.view.hostIdleW,
    };
  }

  /** Takes GPUs for a job at a per-GPU limit and counts their watts. */
  take(jobId: string, pos: number, model: string, gpus: number, limitW: number): PlacedNode {
    const n = this.nodes[pos]!;
    const list = n.free.get(model) ?? [];
    const before = list.length;
    const taken = list.splice(0, gpus);
    this.change(n, () => {
      n.busyGpus += taken.length;
      for (const g of taken) n.gpuW += limitW - g.idleW;
    });
    this.moveBucket(pos, model, before, list.length);
    const held = this.holdings.get(jobId) ?? this.holdings.set(jobId, newHeld(limitW)).get(jobId)!;
    held.parts.push({ pos, model, gpus: taken });
    addGpus(held, taken);
    return { nodeId: n.view.id, gpuIndices: taken.map((g) => g.index), gpuModel: model };
  }

  /** Gives a job's GPUs and watts back (what-ifs: reservations, preemption). */
  release(jobId: string): void {
    const held = this.holdings.get(jobId);
    if (!held) return;
    this.holdings.delete(jobId);
    for (const part of held.parts) {
      const n = this.nodes[part.pos]!;
      const list = n.free.get(part.model) ?? n.free.set(part.model, []).get(part.model)!;
      const before = list.length;
      list.push(...part.gpus);
      list.sort((a, b) => a.index - b.index);
      this.change(n, () => {
        n.busyGpus -= part.gpus.length;
        for (const g of part.gpus) n.gpuW -= held.limitW - g.idleW;
      });
      if (n.view.schedulable) this.moveBucket(part.pos, part.model, before, list.length);
    }
  }

  /** Facility watts a job's GPUs would add or free if its per-GPU limit became `limitW`. */
  limitDeltaW(jobId: string, limitW: number): number {
    const held = this.holdings.get(jobId);
    if (!held) return 0;
    const gpus = held.parts.reduce((sum, p) => sum + p.gpus.length, 0);
    return this.pue * gpus * (limitW - held.limitW);
  }

  setLimit(jobId: string, limitW: number): void {
    const held = this.holdings.get(jobId);
    if (!held) return;
    const delta = limitW - held.limitW;
    for (const part of held.parts) {
      const n = this.nodes[part.pos]!;
      this.change(n, () => (n.gpuW += delta * part.gpus.length));
    }
    held.limitW = limitW;
  }

  limitOf(jobId: string): number | undefined {
    return this.holdings.get(jobId)?.limitW;
  }

  /** A held job's GPU count and the power bounds its GPUs share. */
  boundsOf(jobId: string): { gpus: number; minW: number; maxW: number; limitW: number; pos: number; model: string } | undefined {
    const held = this.holdings.get(jobId);
    if (!held || held.parts.length === 0) return undefined;
    const first = held.parts[0]!;
    return { gpus: held.gpus, minW: held.minW, maxW: held.maxW, limitW: held.limitW, pos: first.pos, model: first.model };
  }

  nodeShape(pos: number): { nodeGpus: number; hostBusyW: number } {
    const v = this.nodes[pos]!.view;
    return { nodeGpus: v.gpus.length, hostBusyW: v.hostBusyW };
  }

  /** Positions of the nodes a job holds GPUs on. */
  nodesOf(jobId: string): number[] {
    return this.holdings.get(jobId)?.parts.map((p) => p.pos) ?? [];
  }

  setMinerRunning(pos: number, w: number, running: boolean): void {
    const n = this.nodes[pos]!;
    this.change(n, () => (n.minersW += ((running ? 1 : -1) * w) / this.pue));
  }

  /** An independent copy for a what-if that must not touch this pass's state. */
  clone(): WorkingSite {
    const copy = Object.create(WorkingSite.prototype) as WorkingSite;
    const nodes = this.nodes.map((n) => ({ ...n, free: new Map([...n.free].map(([m, l]) => [m, l.slice()])) }));
    const buckets = new Map([...this.buckets].map(([m, b]) => [m, b.map((s) => new Set(s))]));
    const holdings = new Map([...this.holdings].map(([id, h]) => [id, { ...h, parts: h.parts.map((p) => ({ ...p, gpus: p.gpus.slice() })) }]));
    Object.assign(copy, { ...this, nodes, buckets, holdings, miners: this.miners.map((m) => ({ ...m })) });
    return copy;
  }

  private itW(n: WorkingNode): number {
    return (n.busyGpus > 0 ? n.view.hostBusyW : n.view.hostIdleW) + n.gpuW + n.minersW;
  }

  /** Applies a change to a node and moves the facility total by its effect. */
  private change(n: WorkingNode, mutate: () => void): void {
    const before = this.itW(n);
    mutate();
    this.allocatedW += this.pue * (this.itW(n) - before);
  }

  private moveBucket(pos: number, model: string, from: number, to: number): void {
    const buckets = this.buckets.get(model);
    if (!buckets || !this.nodes[pos]!.view.schedulable) return;
    buckets[from]?.delete(pos);
    this.bucket(model, to).add(pos);
  }

  private bucket(model: string, free: number): Set<number> {
    const buckets = this.buckets.get(model) ?? this.buckets.set(model, []).get(model)!;
    while (buckets.length <= free) buckets.push(new Set());
    return buckets[free]!;
  }
}
