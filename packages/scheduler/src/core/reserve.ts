import { findNodes, type Fit } from './fit.js';
import type { Pass } from './pass.js';
import type { QueuedJob, RunningJob } from './snapshot.js';
import type { WorkingSite } from './working-site.js';
import { facilityOf } from './watts.js';

/** Phase 5 for a blocked job: an EASY backfill reservation, or (wattpack) preemption. */

/** Facility watts a job needs at its floor on the nodes of `fit`, in a what-if copy. */
function floorNeedW(pass: Pass, what: WorkingSite, job: QueuedJob, fit: Fit): number {
  const picks = fit.positions.map((pos) => what.peek(pos, fit.model, job.gpus));
  const gpus = picks.flatMap((p) => p.gpus);
  const hostW = picks.reduce((s, p) => s + p.hostTurnsBusyW, 0);
  const floor = gpus.length ? pass.bounds(job, Math.max(...gpus.map((g) => g.minW)), Math.min(...gpus.map((g) => g.maxW)), fit.positions[0]!, fit.model).floor : 0;
  return facilityOf(what.pue, hostW + gpus.reduce((s, g) => s + floor - g.idleW, 0));
}

/** EASY backfill: when and where the first blocked job will start, from running jobs' expected ends. */
export function reserve(pass: Pass, job: QueuedJob): void {
  const what = pass.work.clone();
  for (const end of pass.endsByTime()) {
    what.release(end.id);
    const fit = findNodes(what, job);
    if ('code' in fit) continue;
    const spareW = what.freeW + pass.minersW - floorNeedW(pass, what, job, fit);
    if (spareW < 0) continue;
    pass.reservation = { jobId: job.id, at: end.at, positions: new Set(fit.positions), spareW };
    return;
  }
}

/**
 * wattpack: a blocked job may preempt preemptible jobs of lower priority, or of a team
 * borrowing beyond its fair share when the job keeps its own team within its share. Victims: least work lost (time since
 * their last checkpoint) per GPU and watt freed, until the job fits. It starts once they
 * have checkpointed and exited, in a later pass.
 */
export function tryPreempt(pass: Pass, job: QueuedJob): boolean {
  if (pass.rescues >= pass.policy.maxRescuesPerPass) return false;
  const running = preemptibleOf(pass);
  if (running.stopping) return false; // victims already on their way out
  // None of lower priority, none of another team: no candidate, whatever the shares say.
  if (job.priority <= running.minPriority && [...running.teams].every((t) => t === job.team)) return false;
  // A blocked job asks what one of the same shape, priority and team asked, while nothing
  // has changed since: the same answer (a power-bound pass has hundreds of such jobs).
  const key = `${job.gpuModels.join('|')}/${job.gpus}/${job.nodes}/${job.minW}/${job.maxW}/${job.priority}/${job.team}`;
  const state = `${pass.work.version}/${pass.minersW}/${pass.placements.length}/${pass.preempting.size}`;
  const known = pass.noRescue.get(key);
  if (known?.state === state) {
    if (known.counted) pass.rescues++;
    return false;
  }
  const candidates = preemptCandidates(pass, job);
  if (candidates.length === 0) {
    pass.noRescue.set(key, { state, counted: false });
    return false;
  }
  pass.rescues++;
  const what = pass.work.clone();
  const victims: RunningJob[] = [];
  for (const r of candidates) {
    what.release(r.id);
    victims.push(r);
    const fit = findNodes(what, job);
    if ('code' in fit) continue;
    if (floorNeedW(pass, what, job, fit) > what.freeW + pass.minersW) continue;
    for (const v of victims) {
      pass.preempting.add(v.id);
      const fairShare = v.priority >= job.priority;
      pass.preemptions.push({ jobId: v.id, code: fairShare ? 'fair-share' : 'priority', reason: `preempted for ${job.id} (priority ${job.priority}${fairShare ? ', fair share' : ''})` });
    }
    return true;
  }
  pass.noRescue.set(key, { state, counted: true });
  return false;
}

/** What every blocked job of a pass asks of the running jobs, read once per pass (the simulator changes its running list between passes). */
const preemptibleSummaries = new WeakMap<Pass, { stopping: boolean; minPriority: number; teams: Set<string> }>();

/**
 * Whether a running job is stopping, and the lowest priority and the teams of the
 * preemptible ones. Without it each blocked job walked every running job twice: with
 * 2,000 queued and 400 running, seconds of one pass (pnpm bench:e2e's profile).
 */
function preemptibleOf(pass: Pass) {
  let summary = preemptibleSummaries.get(pass);
  if (!summary) {
    const { running } = pass.site;
    const preemptible = running.filter((r) => r.preemptible);
    summary = { stopping: running.some((r) => r.stopping), minPriority: preemptible.reduce((min, r) => Math.min(min, r.priority), Infinity), teams: new Set(preemptible.map((r) => r.team)) };
    preemptibleSummaries.set(pass, summary);
  }
  return summary;
}

/** Jobs `job` may preempt, least work lost per GPU and watt freed first. */
function preemptCandidates(pass: Pass, job: QueuedJob): RunningJob[] {
  // Reclaiming a share: only for a job that keeps its team within its share, from teams
  // that borrow beyond theirs (otherwise two teams would take turns preempting each other).
  const reclaims = pass.fair?.withinShare(job.team, job.gpus * job.nodes) ?? false;
  const candidates = pass.site.running.filter(
    (r) =>
      r.preemptible &&
      !pass.preempting.has(r.id) &&
      (r.priority < job.priority || (reclaims && r.team !== job.team && (pass.fair?.overShare(r.team) ?? false))),
  );
  const lost = (r: RunningJob) => r.gpus * r.nodes * Math.min((pass.site.now - r.startedAt) / 1000, pass.policy.checkpointIntervalS);
  const freed = (r: RunningJob) => r.gpus * r.nodes * (1 + r.powerLimitW / 700);
  return candidates.sort((a, b) => lost(a) / freed(a) - lost(b) / freed(b) || a.priority - b.priority);
}
