import type { Policy } from './policy.js';
import type { QueuedJob, SiteSnapshot } from './snapshot.js';
import { budgetW } from './watts.js';

export function compareJobs(a: QueuedJob, b: QueuedJob): number {
  return b.priority - a.priority || a.submittedAt - b.submittedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Priority, then submit time. Callers usually keep the queue in order; then this costs one scan. */
export function orderQueue(queue: readonly QueuedJob[]): readonly QueuedJob[] {
  for (let i = 1; i < queue.length; i++) {
    if (compareJobs(queue[i - 1]!, queue[i]!) > 0) return [...queue].sort(compareJobs);
  }
  return queue;
}

/**
 * Fair share across teams (wattpack). Each team has a guaranteed share of GPUs and
 * facility watts (configured, or an equal split among the teams with work); its usage
 * is its dominant share: max(GPUs used / GPU share, watts used / watt share). Teams under
 * their share go first, then by priority and usage: a team over its share can borrow
 * idle capacity but never goes ahead of a team under its share.
 */
export class FairShare {
  private readonly usage = new Map<string, { gpus: number; w: number }>();
  private readonly shares = new Map<string, { gpus: number; w: number }>();

  constructor(site: SiteSnapshot, queue: readonly QueuedJob[], policy: Policy) {
    const teams = new Set<string>();
    // One walk of the running jobs a pass: their teams, and what they use.
    for (const r of site.running) {
      teams.add(r.team);
      this.add(r.team, r.gpus * r.nodes, site.pue * r.gpus * r.nodes * r.powerLimitW);
    }
    for (const j of queue) teams.add(j.team);
    const totalGpus = site.nodes.reduce((sum, n) => sum + n.gpus.length, 0);
    const totalW = budgetW(site);
    const configured = Object.entries(policy.teams);
    const unconfigured = [...teams].filter((t) => !policy.teams[t]);
    const leftGpus = totalGpus - configured.reduce((s, [, t]) => s + (t.gpus ?? 0), 0);
    const leftW = totalW - configured.reduce((s, [, t]) => s + (t.mw ?? 0) * 1e6, 0);
    for (const team of teams) {
      const c = policy.teams[team];
      const split = Math.max(1, unconfigured.length);
      this.shares.set(team, {
        gpus: c?.gpus ?? Math.max(1, leftGpus / split),
        w: c?.mw !== undefined ? c.mw * 1e6 : Math.max(1, leftW / split),
      });
    }
  }

  add(team: string, gpus: number, w: number): void {
    const u = this.usage.get(team) ?? this.usage.set(team, { gpus: 0, w: 0 }).get(team)!;
    u.gpus += gpus;
    u.w += w;
  }

  dominant(team: string): number {
    const u = this.usage.get(team);
    const s = this.shares.get(team);
    if (!u || !s) return 0;
    return Math.max(u.gpus / s.gpus, u.w / s.w);
  }

  /** Borrowing: using more than its share. */
  overShare(team: string): boolean {
    return this.dominant(team) > 1 + 1e-9;
  }

  /** Whether the team stays within its share with `gpus` more GPUs. */
  withinShare(team: string, gpus: number): boolean {
    const u = this.usage.get(team) ?? { gpus: 0, w: 0 };
    const s = this.shares.get(team);
    return s !== undefined && u.gpus + gpus <= s.gpus + 1e-9;
  }

  /** Yields the queue in fair-share order, re-reading usage after each job. */
  order(queue: readonly QueuedJob[]): Iterable<QueuedJob> {
    // One team: fair share changes nothing.
    return this.shares.size <= 1 ? orderQueue(queue) : this.interleave(queue);
  }

  private *interleave(queue: readonly QueuedJob[]): Generator<QueuedJob> {
    const byTeam = new Map<string, QueuedJob[]>();
    for (const job of orderQueue(queue)) (byTeam.get(job.team) ?? byTeam.set(job.team, []).get(job.team)!).push(job);
    const heads = [...byTeam.entries()].map(([team, jobs]) => ({ team, jobs, at: 0 }));
    while (heads.length > 0) {
      let best = 0;
      let bestKey: [number, number, number, number] | undefined;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i]!;
        const job = h.jobs[h.at]!;
        const d = this.dominant(h.team);
        const key: [number, number, number, number] = [d >= 1 ? 1 : 0, -job.priority, d, job.submittedAt];
        if (!bestKey || lexLess(key, bestKey)) {
          best = i;
          bestKey = key;
        }
      }
      const h = heads[best]!;
      yield h.jobs[h.at++]!;
      if (h.at >= h.jobs.length) heads.splice(best, 1);
    }
  }
}

function lexLess(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}
