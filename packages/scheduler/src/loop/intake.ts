import { WattpackError, isTerminal, newId, parseJobSpec, type Job, type Mount } from '@wattpack/common';
import { countGpus, infeasible } from '../core/feasible.js';
import { canonicalModel } from '../state/snapshot-builder.js';
import type { Commands } from './commands.js';
import type { Cycle } from './cycle.js';
import type { LoopState } from './state.js';

export interface SubmitOptions {
  owner?: string;
  teamFor?: (named: string | undefined) => string;
  /** Whether the submitter may see a job (the API: its team's jobs); only those can be dependencies. */
  canSee?: (job: Job) => boolean;
}

/** Jobs in and out of the queue from the API: submit (with its checks) and cancel. */
export class Intake {
  constructor(
    private readonly state: LoopState,
    private readonly commands: Commands,
    private readonly cycle: Cycle,
  ) {}

  /**
   * `owner`: who submits it (the API passes the verified caller); the job's processes run as
   * that user. `teamFor` decides the job's team from the one its spec names (undefined:
   * none) and throws when the submitter may not use it; the API passes the caller's rule.
   */
  submit(specJson: string, opts: SubmitOptions = {}): Promise<Job> {
    let raw: unknown;
    try {
      raw = JSON.parse(specJson);
    } catch {
      return Promise.reject(new WattpackError('INVALID_ARGUMENT', 'the job spec is not valid JSON'));
    }
    try {
      raw = withTeam(raw, opts.teamFor);
    } catch (err) {
      return Promise.reject(err);
    }
    const parsed = parseJobSpec(raw, specJson);
    if (!parsed.success) return Promise.reject(new WattpackError('INVALID_ARGUMENT', `invalid job spec: ${parsed.error}`));
    const spec = parsed.data;
    return this.state.serial.run(async () => {
      this.checkFeasible(spec.gpus, spec.nodes, spec.gpuModels);
      this.checkQueue(spec.team);
      checkMounts(spec.mounts, this.state.site.allowedMounts);
      this.checkDependencies([...spec.afterOk, ...spec.afterAny], opts.canSee);
      const now = this.state.now();
      const job: Job = {
        id: newId('j', now),
        spec,
        owner: opts.owner ?? 'anonymous',
        state: 'PENDING',
        reason: 'queued',
        submittedAt: now,
        attempt: 0,
        attemptId: '',
        assignments: [],
        powerLimitW: 0,
        allocatedFacilityW: 0,
      };
      await this.state.store(job);
      this.cycle.request();
      return job;
    });
  }

  cancel(id: string, reason: string): Promise<Job> {
    return this.state.serial.run(async () => {
      const job = this.state.mustGet(id);
      if (isTerminal(job.state) || job.cancelRequested) return job;
      const why = `cancelled${reason ? `: ${reason}` : ''}`;
      if (job.state === 'PENDING') {
        const done: Job = { ...job, state: 'CANCELLED', reason: why, finishedAt: this.state.now() };
        await this.state.store(done);
        return done;
      }
      const next: Job = { ...job, cancelRequested: true, reason: why };
      await this.state.store(next);
      await this.commands.dispatchStops(next, why);
      return next;
    });
  }

  /** Refuses a submit while the team has the site's limit of jobs queued: one team cannot flood the queue. */
  private checkQueue(team: string): void {
    const limit = this.state.site.maxQueuedPerTeam;
    const queued = this.state.listing.queued(team);
    if (limit > 0 && queued >= limit) {
      throw new WattpackError(
        'RESOURCE_EXHAUSTED',
        `team ${team} has ${queued} jobs queued (PENDING), the site's limit (maxQueuedPerTeam ${limit}): wait for some to start, or cancel some`,
      );
    }
  }

  /**
   * A dependency must name a job the submitter may see: a typo would otherwise end the job
   * later, and another team's job would tell its fate. Both read alike, so that a refusal
   * does not tell whether another team's job exists.
   */
  private checkDependencies(ids: string[], canSee: SubmitOptions['canSee'] = () => true): void {
    const unknown = ids.filter((id) => {
      const dep = this.state.jobs.get(id);
      return !dep || !canSee(dep);
    });
    if (unknown.length) throw new WattpackError('INVALID_ARGUMENT', `dependency: no job ${unknown.join(', ')} (give the ids wattpack jobs shows)`);
  }

  /** Refuses at submit what no known node could ever run: a typo should not wait forever. */
  private checkFeasible(gpus: number, nodes: number, models: string[]): void {
    const counts = [...this.state.nodes.values()].map((n) => countGpus(n.record.inventory.gpus.map((g) => canonicalModel(g.model))));
    const why = infeasible(counts, gpus, nodes, models);
    if (why) throw new WattpackError('INVALID_ARGUMENT', why);
  }
}

/** Volumes only from the site's allowedMounts: each source must be one of them or lie under one. */
function checkMounts(mounts: readonly Mount[], allowed: readonly string[]): void {
  const under = (path: string, root: string) => root === '/' || path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
  for (const m of mounts) {
    if (!allowed.some((root) => under(m.source, root))) {
      const list = allowed.length ? `the site allows ${allowed.join(', ')} (setting allowedMounts)` : 'the site allows none (setting allowedMounts is empty)';
      throw new WattpackError('PERMISSION_DENIED', `mounts: ${m.source} may not be mounted: ${list}`);
    }
  }
}

/** The spec with the team `teamFor` decides (it throws when the submitter may not use it). */
function withTeam(raw: unknown, teamFor: SubmitOptions['teamFor']): unknown {
  if (!teamFor || raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const named = (raw as Record<string, unknown>).team;
  // A team that is not a string is the schema's to refuse.
  if (named !== undefined && typeof named !== 'string') return raw;
  return { ...raw, team: teamFor(named) };
}
