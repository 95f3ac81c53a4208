import { preemptRank } from './flex.js';
import type { Pass } from './pass.js';
import { idleSavingW } from './power-saving.js';
import type { RunningJob } from './snapshot.js';
import { facilityOf } from './watts.js';
import type { WorkingSite } from './working-site.js';

/**
 * Step 3 of a shed (shed.ts): which running jobs to checkpoint, in order, and what the
 * pass may count for the servers they empty (docs/scheduling.md, "Checkpoint order").
 *
 * Always first: the jobs step 2b chose, then preemptible ones. With wattpack, flex 0 comes
 * last (never stopped while a more flexible job runs), then the lowest priority. Within
 * that, with power saving (`byValue`), jobs go by the facility watts their stop frees per
 * GPU it stops, counted per unit: a set of servers (tied by gangs) whose every job is in
 * the same tier stops as one and frees its hosts too (and, off, their idle draw), while a
 * job that leaves its server busy frees only its GPUs. That is the upper bound's price
 * (sim/event-bound.ts) applied greedily; the most flexible class, then the newest start,
 * break ties. Without it: the most flexible class first, then the lightest server's jobs.
 */
export function checkpointOrder(pass: Pass, what: WorkingSite, chosen: ReadonlySet<string>, byValue: boolean, countOff: boolean): RunningJob[] {
  const jobs = pass.site.running.filter((r) => !r.stopping && !pass.preempting.has(r.id));
  const rank = (r: RunningJob) => (pass.wattpack ? preemptRank(r.flex) : 0);
  const first = (r: RunningJob) => Number(chosen.has(r.id));
  // Both orders start alike: 2b's choice, then preemptible jobs.
  const head = (a: RunningJob, b: RunningJob) => first(b) - first(a) || Number(b.preemptible) - Number(a.preemptible);
  if (byValue) {
    const flex0 = (r: RunningJob) => Number(pass.wattpack && r.flex === 0);
    const tier = (r: RunningJob) => `${first(r)}|${Number(r.preemptible)}|${flex0(r)}|${r.priority}`;
    const unit = valueUnits(pass, what, jobs, tier, countOff);
    return jobs.sort((a, b) => {
      const [ua, ub] = [unit.get(a.id)!, unit.get(b.id)!];
      return head(a, b) || flex0(a) - flex0(b) || a.priority - b.priority || ub.perGpuW - ua.perGpuW || ua.key - ub.key || rank(b) - rank(a) || b.startedAt - a.startedAt;
    });
  }
  const server = pass.policy.powerSaving ? lightestServerFirst(pass, what) : () => 0;
  return jobs.sort((a, b) => head(a, b) || rank(b) - rank(a) || a.priority - b.priority || server(a) - server(b) || b.startedAt - a.startedAt);
}

/**
 * Each job's unit: its watts freed per GPU stopped and a key that keeps a unit's jobs
 * together. Servers are tied by the jobs on them (union-find); a tie of servers whose jobs
 * all share one tier empties together, else each job stands alone.
 */
function valueUnits(pass: Pass, what: WorkingSite, jobs: readonly RunningJob[], tier: (r: RunningJob) => string, countOff: boolean) {
  const parent = new Map<number, number>();
  const root = (p: number): number => {
    let r = p;
    while (parent.get(r) !== r) r = parent.get(r) ?? (parent.set(r, r), r);
    return r;
  };
  const tierOf = new Map<number, string | null>();
  for (const r of pass.site.running) {
    const nodes = what.nodesOf(r.id);
    // A stopping job or a mover still holds its server in this pass: that server cannot count as emptied.
    const t = r.stopping || pass.preempting.has(r.id) ? null : tier(r);
    for (const pos of nodes) {
      tierOf.set(pos, tierOf.has(pos) && tierOf.get(pos) !== t ? null : t);
      parent.set(root(pos), root(nodes[0]!));
    }
  }
  const groups = new Map<number, { jobs: RunningJob[]; servers: Set<number> }>();
  for (const r of jobs) {
    const nodes = what.nodesOf(r.id);
    if (nodes.length === 0) continue;
    const at = root(nodes[0]!);
    const g = groups.get(at) ?? groups.set(at, { jobs: [], servers: new Set() }).get(at)!;
    g.jobs.push(r);
    for (const pos of nodes) g.servers.add(pos);
  }
  const out = new Map<string, { perGpuW: number; key: number }>();
  let key = 0;
  for (const g of groups.values()) {
    const t = tier(g.jobs[0]!);
    // Any other job tied in (another tier, stopping) sits on one of these servers and marks it.
    if ([...g.servers].every((pos) => tierOf.get(pos) === t)) {
      const gpus = g.jobs.reduce((s, r) => s + heldGpus(what, r.id), 0);
      const hostsW = [...g.servers].reduce((s, pos) => s + emptiedServerW(pass, what, pos, countOff), 0);
      const perGpuW = (g.jobs.reduce((s, r) => s + gpuFreedW(what, r.id), 0) + hostsW) / Math.max(1, gpus);
      key++;
      for (const r of g.jobs) out.set(r.id, { perGpuW, key });
    } else for (const r of g.jobs) out.set(r.id, { perGpuW: gpuFreedW(what, r.id) / Math.max(1, heldGpus(what, r.id)), key: ++key });
  }
  for (const r of jobs) if (!out.has(r.id)) out.set(r.id, { perGpuW: 0, key: ++key });
  return out;
}

const heldGpus = (what: WorkingSite, id: string): number => what.boundsOf(id)?.gpus ?? 0;

/** Facility watts a job's GPUs free when it stops: each from its limit down to idle. */
function gpuFreedW(what: WorkingSite, id: string): number {
  const b = what.boundsOf(id);
  if (!b) return 0;
  const idleW = what.nodeState(b.pos).view.gpus[0]?.idleW ?? 0;
  return facilityOf(what.pue, b.gpus * (b.limitW - idleW));
}

/** Facility watts a server frees once its last job stops: its host turns idle, and (counted) goes off. */
function emptiedServerW(pass: Pass, what: WorkingSite, pos: number, countOff: boolean): number {
  const { view } = what.nodeState(pos);
  return facilityOf(what.pue, view.hostBusyW - view.hostIdleW + (countOff && mayGoOff(pass, what, pos) ? idleSavingW(view) : 0));
}

/**
 * Whether a server the shed empties will be powered off by the next pass's step 1b
 * (power-saving.ts `suspendToShed`): on, schedulable, not excluded, not the backfill
 * reservation's, and no idle servers to keep on for its model (minIdleNodes 0).
 */
export function mayGoOff(pass: Pass, what: WorkingSite, pos: number): boolean {
  const ps = pass.policy.powerSaving;
  const { view, power } = what.nodeState(pos);
  return !!ps && ps.minIdleNodes === 0 && power === 'on' && view.schedulable && !ps.excludeNodes.has(view.id) && !pass.reservation?.positions.has(pos);
}

/**
 * The order before the value order (kept to measure the two apart): among equals, the
 * jobs of the server with the fewest busy GPUs first, a server's together.
 */
function lightestServerFirst(pass: Pass, what: WorkingSite): (r: RunningJob) => number {
  const key = new Map<string, number>();
  for (const r of pass.site.running) {
    const pos = what.nodesOf(r.id)[0];
    if (pos === undefined) continue;
    const { view } = what.nodeState(pos);
    const model = view.gpus[0]?.model ?? '';
    key.set(r.id, (view.gpus.length - what.freeCount(pos, model)) * what.nodeCount + pos);
  }
  return (r) => key.get(r.id) ?? 0;
}
