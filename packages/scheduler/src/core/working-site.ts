import type { GpuView, NodeView, PlacedNode, SiteSnapshot } from './snapshot.js';
import { budgetW, isBusy, siteSplit } from './watts.js';

interface WorkingNode {
  view: NodeView;
  rack: string;
  busy: boolean;
  /** Free GPUs by model, in index order. */
  free: Map<string, GpuView[]>;
}

/**
 * A what-if copy of the site for one planning pass: free GPUs indexed by model and
 * free count, so finding a node is a bucket lookup, not a scan of every node. The
 * snapshot itself is never mutated.
 */
export class WorkingSite {
  readonly pue: number;
  readonly budgetW: number;
  allocatedW: number;
  private readonly nodes: WorkingNode[];
  /** model -> buckets[freeCount] -> node positions. */
  private readonly buckets = new Map<string, Set<number>[]>();
  /** model -> largest GPU count of any schedulable node (for "never fits"). */
  private readonly capacity = new Map<string, number[]>();

  constructor(site: SiteSnapshot) {
    this.pue = site.pue;
    this.budgetW = budgetW(site);
    this.allocatedW = siteSplit(site).facilityW;
    this.nodes = site.nodes.map((view) => {
      const free = new Map<string, GpuView[]>();
      for (const g of view.gpus) if (g.jobId === undefined) (free.get(g.model) ?? free.set(g.model, []).get(g.model)!).push(g);
      for (const list of free.values()) list.sort((a, b) => a.index - b.index);
      return { view, rack: view.labels['rack'] ?? '', busy: isBusy(view), free };
    });
    this.nodes.forEach((n, pos) => {
      if (!n.view.schedulable) return;
      const totals = new Map<string, number>();
      for (const g of n.view.gpus) totals.set(g.model, (totals.get(g.model) ?? 0) + 1);
      for (const [model, total] of totals) {
        (this.capacity.get(model) ?? this.capacity.set(model, []).get(model)!).push(total);
        this.bucket(model, n.free.get(model)?.length ?? 0).add(pos);
      }
    });
  }

  get models(): string[] {
    return [...this.buckets.keys()];
  }

  /** Schedulable nodes that have at least `gpus` GPUs of `model` in total, busy or not. */
  capableNodes(model: string, gpus: number): number {
    return (this.capacity.get(model) ?? []).filter((t) => t >= gpus).length;
  }

  /**
   * Up to `limit` nodes with at least `gpus` free GPUs of `model`, best fit first
   * (fewest free GPUs left over), so large holes stay for large jobs.
   */
  candidates(model: string, gpus: number, limit: number): number[] {
    const buckets = this.buckets.get(model);
    const out: number[] = [];
    if (!buckets) return out;
    for (let free = gpus; free < buckets.length && out.length < limit; free++) {
      const bucket = buckets[free];
      if (!bucket) continue;
      for (const pos of bucket) {
        out.push(pos);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  rackOf(pos: number): string {
    return this.nodes[pos]!.rack;
  }

  freeCount(pos: number, model: string): number {
    return this.nodes[pos]!.free.get(model)?.length ?? 0;
  }

  /** The GPUs a placement would take, and the host watts it adds by waking an idle host. */
  peek(pos: number, model: string, gpus: number): { gpus: GpuView[]; hostTurnsBusyW: number } {
    const n = this.nodes[pos]!;
    return {
      gpus: (n.free.get(model) ?? []).slice(0, gpus),
      hostTurnsBusyW: n.busy || gpus === 0 ? 0 : n.view.hostBusyW - n.view.hostIdleW,
    };
  }

  /** Takes the GPUs of a placement out of the free pool and counts its watts. */
  take(pos: number, model: string, gpus: number): PlacedNode {
    const n = this.nodes[pos]!;
    const list = n.free.get(model) ?? [];
    const before = list.length;
    const taken = list.splice(0, gpus);
    if (gpus > 0) n.busy = true;
    const buckets = this.buckets.get(model);
    if (buckets) {
      buckets[before]?.delete(pos);
      this.bucket(model, list.length).add(pos);
    }
    return { nodeId: n.view.id, gpuIndices: taken.map((g) => g.index), gpuModel: model };
  }

  private bucket(model: string, free: number): Set<number> {
    const buckets = this.buckets.get(model) ?? this.buckets.set(model, []).get(model)!;
    while (buckets.length <= free) buckets.push(new Set());
    return buckets[free]!;
  }
}
