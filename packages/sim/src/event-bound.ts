/**
 * An upper bound on a grid event's weighted job performance (issue 15): the best any
 * scheduler could do with the jobs that hold GPUs when the event begins, each at a limit
 * in its range or stopped, the servers left with no running job off, facility watts at the
 * limits (as the cap counts them) at or under the target.
 *
 * The problem is not convex (a server's host counts while any of its jobs runs), so it is
 * bounded by its Lagrangian dual: for a price λ per facility watt, each group of servers
 * that gangs tie together picks its best set of running jobs and each job its best limit;
 * max over choices of (value − λ·(watts − target)) ≥ the best feasible value for every
 * λ ≥ 0 (weak duality), so the lowest of these over λ is an upper bound. The choices at
 * the lowest feasible λ are a schedule that meets the target: its value is reachable,
 * so the truth lies between the two figures printed.
 */

/** A limit a job may run at and its throughput there relative to unconstrained. */
export interface LimitOption {
  limitW: number;
  speed: number;
}

export interface BoundJob {
  id: string;
  flex: number;
  /** GPUs in all; per server; the servers it holds (ids of BoundNode). */
  gpus: number;
  gpusPerNode: number;
  nodes: readonly string[];
  /**
   * The vertices of its throughput-vs-limit curve within its range (piecewise linear
   * between them, so the best limit at any price is one of them).
   */
  options: readonly LimitOption[];
  /** Its weight in the mean: GPUs × the share of its time in the event this slice holds (1: all of it). */
  weight: number;
}

export interface BoundNode {
  id: string;
  gpus: number;
  /** Per GPU, W. */
  idleW: number;
  hostBusyW: number;
  standbyW: number;
}

export interface BoundInput {
  pue: number;
  targetW: number;
  nodes: readonly BoundNode[];
  jobs: readonly BoundJob[];
  /** Keep flex-0 jobs at full speed (the class promise); else every job may slow or stop. */
  keepFlex0?: boolean;
  /**
   * `placed`: jobs stay where they are; `free-moves`: running GPUs are packed perfectly onto
   * whole servers at no cost (a looser bound: any consolidation, with no restart).
   */
  packing?: 'placed' | 'free-moves';
  /** The mean's denominator (default: Σ GPUs of the jobs). */
  totalGpus?: number;
}

export interface BoundResult {
  /** The dual bound: no schedule of these jobs does better. */
  upper: number;
  /** A schedule that meets the target (the choices at the lowest feasible price). */
  feasible: number;
  facilityW: number;
  stoppedJobs: number;
  stoppedGpus: number;
  slowedJobs: number;
  byFlex: Record<string, number>;
  priceWPerW: number;
}

interface Choice {
  /** Weight × speed, and IT watts above what the GPUs would draw stopped. */
  value: number;
  it: number;
  opt: LimitOption | undefined;
}

/** A group of servers that gangs tie together, and the jobs on them. */
interface Group {
  nodes: BoundNode[];
  jobs: BoundJob[];
}

/** Most servers in a group whose on/off sets are enumerated (2^n). */
const MAX_ENUM = 12;

export function eventBound(input: BoundInput): BoundResult {
  const packing = input.packing ?? 'placed';
  const nodeById = new Map(input.nodes.map((n) => [n.id, n]));
  const groups = packing === 'placed' ? groupsOf(input.jobs, nodeById) : input.jobs.map((j) => ({ nodes: [], jobs: [j] }));
  const perGpuHostW = packing === 'free-moves' ? freeMoveHostW(input.nodes) : 0;
  // Every server counts standby as the floor; a server with a running job adds the rest.
  const floorIt = input.nodes.reduce((s, n) => s + n.standbyW, 0);
  const solve = (lambda: number) => {
    let value = 0;
    let it = floorIt;
    let upperNet = 0;
    const best: GroupBest[] = [];
    for (const g of groups) {
      const b = bestOfGroup(g, lambda * input.pue, input.keepFlex0 === true, perGpuHostW);
      value += b.value;
      it += b.it;
      upperNet += b.upperNet;
      best.push(b);
    }
    return { value, facilityW: input.pue * it, best, upperNet, floorW: input.pue * floorIt };
  };
  const total = input.totalGpus ?? input.jobs.reduce((s, j) => s + j.gpus, 0);
  // The dual L(λ) = Σ best net values + λ(target − the standby floor) is convex in λ: a golden-section search finds its lowest.
  const dual = (lambda: number) => {
    const s = solve(lambda);
    return s.upperNet + lambda * (input.targetW - s.floorW);
  };
  let hi = 1e-6;
  while (solve(hi).facilityW > input.targetW && hi < 1e6) hi *= 2;
  const upper = goldenMin(dual, 0, hi * 2) / total;
  // The lowest price that meets the target (watts fall as the price rises), then the
  // groups' choices at the price just below, best value per watt first, while they fit.
  let lo = 0;
  let h = hi;
  if (solve(0).facilityW <= input.targetW) h = 0;
  for (let i = 0; i < 60 && h > 0; i++) {
    const mid = (lo + h) / 2;
    if (solve(mid).facilityW <= input.targetW) h = mid;
    else lo = mid;
  }
  const s = solve(h);
  const below = solve(lo);
  const picks = s.best.map((b) => b.picks);
  let { value, facilityW } = s;
  const swaps = s.best
    .map((b, gi) => ({ gi, dv: below.best[gi]!.value - b.value, dw: input.pue * (below.best[gi]!.it - b.it) }))
    .filter((x) => x.dv > 0)
    .sort((a, b) => b.dv / Math.max(b.dw, 1e-9) - a.dv / Math.max(a.dw, 1e-9));
  for (const x of swaps) {
    if (facilityW + x.dw > input.targetW) continue;
    facilityW += x.dw;
    value += x.dv;
    picks[x.gi] = below.best[x.gi]!.picks;
  }
  return { upper: Math.min(1, Math.max(upper, value / total)), ...describe(groups, { value, facilityW, picks }, total), priceWPerW: h };
}

function describe(groups: readonly Group[], s: { value: number; facilityW: number; picks: (LimitOption | undefined)[][] }, total: number) {
  let stoppedJobs = 0;
  let stoppedGpus = 0;
  let slowedJobs = 0;
  const acc: Record<string, { w: number; v: number }> = {};
  groups.forEach((g, gi) =>
    g.jobs.forEach((j, ji) => {
      const o = s.picks[gi]![ji];
      if (!o) {
        stoppedJobs++;
        stoppedGpus += j.gpus;
      } else if (o.speed < 1) slowedJobs++;
      const c = (acc[String(j.flex)] ??= { w: 0, v: 0 });
      c.w += j.gpus;
      c.v += j.weight * (o?.speed ?? 0);
    }),
  );
  const byFlex = Object.fromEntries(Object.entries(acc).map(([k, c]) => [k, round4(c.w > 0 ? c.v / c.w : 1)]));
  return { feasible: s.value / total, facilityW: s.facilityW, stoppedJobs, stoppedGpus, slowedJobs, byFlex };
}

/** Servers joined when a job spans them (union-find), with their jobs; servers with no job are left out (off). */
function groupsOf(jobs: readonly BoundJob[], nodeById: ReadonlyMap<string, BoundNode>): Group[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const j of jobs) {
    for (const n of j.nodes) if (!parent.has(n)) parent.set(n, n);
    for (const n of j.nodes.slice(1)) parent.set(find(n), find(j.nodes[0]!));
  }
  const byRoot = new Map<string, Group>();
  for (const id of parent.keys()) {
    const root = find(id);
    let g = byRoot.get(root);
    if (!g) byRoot.set(root, (g = { nodes: [], jobs: [] }));
    const n = nodeById.get(id);
    if (!n) throw new Error(`event bound: a job holds server ${id}, which is not in the site`);
    g.nodes.push(n);
  }
  for (const j of jobs) byRoot.get(find(j.nodes[0]!))!.jobs.push(j);
  return [...byRoot.values()];
}

/** With free moves, a running GPU carries its share of a full server's host (less the standby it would draw off). */
function freeMoveHostW(nodes: readonly BoundNode[]): number {
  const n = nodes[0];
  return n ? (n.hostBusyW - n.standbyW) / n.gpus : 0;
}

/** A job's best limit at a price per IT watt (its GPUs over `baseW` each), or stopped (no option) if nothing pays. */
function bestLimit(j: BoundJob, price: number, keepFull: boolean, baseW: number): Choice {
  let best: Choice = { value: 0, it: 0, opt: undefined };
  let bestNet = keepFull ? -Infinity : 0;
  for (const o of j.options) {
    if (keepFull && o.speed < 1) continue;
    const it = j.gpus * (o.limitW - baseW);
    const value = j.weight * o.speed;
    if (value - price * it > bestNet) {
      bestNet = value - price * it;
      best = { value, it, opt: o };
    }
  }
  return best;
}

interface GroupBest {
  value: number;
  it: number;
  picks: (LimitOption | undefined)[];
  /** At least the best net value any set of its jobs could have (the dual needs the true best or more). */
  upperNet: number;
}

/** The group's best set of running jobs at a price: their value, IT watts above the servers' standby, and each job's pick. */
function bestOfGroup(g: Group, price: number, keepFlex0: boolean, perGpuHostW: number): GroupBest {
  const forced = g.jobs.map((j) => keepFlex0 && j.flex === 0);
  if (g.nodes.length === 0) {
    // Free moves: each running GPU brings its share of a busy host, no idle GPUs beside it.
    const c = bestLimit(g.jobs[0]!, price, forced[0]!, -perGpuHostW);
    return { value: c.value, it: c.it, picks: [c.opt], upperNet: c.value - price * c.it };
  }
  const idleW = g.nodes[0]!.idleW;
  const choices = g.jobs.map((j, k) => bestLimit(j, price, forced[k]!, idleW));
  const nodeIndex = new Map(g.nodes.map((n, i) => [n.id, i]));
  const jobMask = g.jobs.map((j) => j.nodes.reduce((m, id) => m | (1 << Math.min(30, nodeIndex.get(id)!)), 0));
  const net = choices.map((c) => c.value - price * c.it);
  const nodeNet = g.nodes.map((n) => -price * (n.hostBusyW + n.gpus * n.idleW - n.standbyW));
  // Which servers stay on: then every job on servers that are on runs if it pays (or is kept at full).
  const evaluate = (on: number) => {
    let total = 0;
    const run: boolean[] = [];
    for (let k = 0; k < g.jobs.length; k++) {
      const fits = (jobMask[k]! & on) === jobMask[k]!;
      if (forced[k] && !fits) return undefined;
      run.push(fits && (forced[k]! || net[k]! > 0));
      if (run[k]) total += net[k]!;
    }
    for (let p = 0; p < g.nodes.length; p++) if ((on >> p) & 1) total += nodeNet[p]!;
    return { run, total };
  };
  const servers = g.nodes.length;
  let best: { run: boolean[]; total: number } | undefined;
  let upperNet: number;
  if (servers <= MAX_ENUM) {
    for (let on = 0; on < 1 << servers; on++) {
      const r = evaluate(on);
      if (r && (!best || r.total > best.total)) best = r;
    }
    upperNet = best!.total;
  } else {
    // Too many servers to enumerate: all on (a schedule); the dual takes every job's own best
    // with no host at all, which no choice can beat.
    best = { run: g.jobs.map((_, k) => forced[k]! || net[k]! > 0), total: 0 };
    upperNet = net.reduce((sum, x, k) => sum + (forced[k] ? x : Math.max(0, x)), 0);
  }
  const b = best!;
  let value = 0;
  let it = 0;
  const used = new Set<number>();
  g.jobs.forEach((_, k) => {
    if (!b.run[k]) return;
    value += choices[k]!.value;
    it += choices[k]!.it;
    for (const id of g.jobs[k]!.nodes) used.add(nodeIndex.get(id)!);
  });
  for (const p of used) it += g.nodes[p]!.hostBusyW + g.nodes[p]!.gpus * g.nodes[p]!.idleW - g.nodes[p]!.standbyW;
  return { value, it, picks: g.jobs.map((_, k) => (b.run[k] ? choices[k]!.opt : undefined)), upperNet };
}

/** The lowest of a convex function on [a, b]. */
function goldenMin(f: (x: number) => number, a: number, b: number): number {
  const r = (Math.sqrt(5) - 1) / 2;
  let c = b - r * (b - a);
  let d = a + r * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < 80; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - r * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + r * (b - a);
      fd = f(d);
    }
  }
  return Math.min(fc, fd, f(a), f(b), f(0));
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
