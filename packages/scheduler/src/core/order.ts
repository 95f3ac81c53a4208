import type { Policy, TeamUsage } from './policy.js';
import type { QueuedJob, SiteSnapshot } from './snapshot.js';
import { budgetW, facilityOf } from './watts.js';

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

/** A team's fair-share standing from its history (docs/scheduling.md, "Fair share"). */
export interface ShareStanding {
  team: string;
  /** Its share of the teams with work: GPUs and facility watts, as fractions. */
  shareGpus: number;
  shareW: number;
  /** Its decayed past usage, and that as a fraction of all these teams' (dominant of GPU-hours and energy). */
  usage: TeamUsage;
  normalizedUsage: number;
  /** 2^(-normalizedUsage / share): 1 for a team that used nothing, 0.5 for one that used exactly its share. */
  factor: number;
}

/**
 * Fair share across teams (wattpack). Each team has a guaranteed share of GPUs and
 * facility watts (configured, or an equal split among the teams with work); its usage
 * is its dominant share: max(GPUs used / GPU share, watts used / watt share). Teams under
 * their share go first, then by priority, then by the fair-share factor of their decayed
 * past usage, then by current usage: a team over its share can borrow idle capacity but
 * never goes ahead of a team under its share.
 */
export class FairShare {
  private readonly usage = new Map<string, { gpus: number; w: number }>();
  private readonly shares = new Map<string, { gpus: number; w: number }>();
  private readonly standings = new Map<string, ShareStanding>();

  constructor(site: SiteSnapshot, queue: readonly QueuedJob[], policy: Policy) {
    // One walk of the running jobs a pass: what each team uses. Its keys are the running
    // teams in order of first appearance, as a set filled in the walk would be.
    for (const r of site.running) this.add(r.team, r.gpus * r.nodes, facilityOf(site.pue, r.gpus * r.nodes * r.powerLimitW));
    const teams = new Set(this.usage.keys());
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
    this.rank(policy.history ?? {});
  }

  /**
   * Slurm's classic fair-share factor, on the dominant resource: F = 2^(-U/S), where S is
   * the team's share and U its decayed usage, each as a fraction of the teams with work.
   */
  private rank(history: Readonly<Record<string, TeamUsage>>): void {
    const sum = { gpus: 0, w: 0, gpuHours: 0, kwh: 0 };
    for (const [team, s] of this.shares) {
      const h = history[team];
      sum.gpus += s.gpus;
      sum.w += s.w;
      sum.gpuHours += h?.gpuHours ?? 0;
      sum.kwh += h?.facilityKwh ?? 0;
    }
    for (const [team, s] of this.shares) {
      const usage = history[team] ?? { gpuHours: 0, facilityKwh: 0 };
      const shareGpus = s.gpus / sum.gpus;
      const shareW = s.w / sum.w;
      const ug = sum.gpuHours > 0 ? usage.gpuHours / sum.gpuHours : 0;
      const ue = sum.kwh > 0 ? usage.facilityKwh / sum.kwh : 0;
      const normalizedUsage = Math.max(ug, ue);
      const factor = 2 ** -Math.max(ug / shareGpus, ue / shareW);
      this.standings.set(team, { team, shareGpus, shareW, usage, normalizedUsage, factor });
    }
  }

  /** Each team with work, as `wattpack shares` shows it. */
  standing(): ShareStanding[] {
    return [...this.standings.values()].sort((a, b) => a.team.localeCompare(b.team));
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
      let bestKey: [number, number, number, number, number] | undefined;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i]!;
        const job = h.jobs[h.at]!;
        const d = this.dominant(h.team);
        const key: [number, number, number, number, number] = [d >= 1 ? 1 : 0, -job.priority, -(this.standings.get(h.team)?.factor ?? 1), d, job.submittedAt];
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
