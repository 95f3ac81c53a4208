import {
  WattpackError,
  isTerminal,
  parseJobSpec,
  newId,
  type Job,
  type JobEvent,
  type NodeInventory,
  type NodeRecord,
  type NodeReport,
  type SiteConfig,
} from '@wattpack/shared';
import type { JobPower, SiteSnapshot } from '../core/snapshot.js';
import { type JobFilter, type JobPage, type JobQuery } from '../state/job-index.js';
import { canonicalModel, type LiveNode } from '../state/snapshot-builder.js';
import { Commands } from './commands.js';
import { Cycle } from './cycle.js';
import { Operators, type DrainOptions, type NodeSelector, type SiteChange } from './operators.js';
import { Reports } from './reports.js';
import { LoopState, type SchedulerInit } from './state.js';

export type { SchedulerPorts, SchedulerInit } from './state.js';
export type { NodeSelector, DrainOptions, SiteChange } from './operators.js';

/**
 * The live scheduler: keeps jobs and nodes, turns API calls and agents' events into
 * stored state, and runs the packing cycle: snapshot -> plan (pure core) -> commit
 * (store) -> dispatch (commands). All changes run one at a time (SerialQueue), so
 * the plan is committed against the very state it was computed from.
 */
export class Scheduler {
  /** The live state: jobs, nodes, their indexes, power profiles, the serial queue. */
  private readonly state: LoopState;
  /** Building and sending commands to agents. */
  private readonly commands: Commands;
  /** The clock every room reads, through this field (tests replace it). */
  private readonly now: () => number;
  /** One pass: snapshot -> plan -> commit -> dispatch. */
  private readonly cycle: Cycle;
  /** Drains, uncordon, the cap, grid events and teams. */
  private readonly operators: Operators;
  /** Agents' registrations, reports, events and leases. */
  private readonly reports: Reports;

  constructor(init: SchedulerInit) {
    this.now = init.now ?? Date.now;
    this.state = new LoopState({ ...init, now: () => this.now() });
    this.commands = new Commands(this.state);
    this.cycle = new Cycle(this.state, this.commands);
    this.operators = new Operators(this.state, this.commands, this.cycle);
    this.reports = new Reports(this.state, this.commands, this.cycle, this.operators);
  }

  /** Emits 'job' (Job) after every stored change. */
  get changes(): LoopState['changes'] {
    return this.state.changes;
  }

  /**
   * After a restart: commands for placed jobs may not have reached the bus before the
   * crash. Send them again; dedupe ids and attempt ids make that harmless.
   */
  recover(): Promise<void> {
    return this.reports.recover();
  }

  stop(): void {
    this.cycle.stop();
  }

  // ---- API ----------------------------------------------------------------

  /**
   * `owner`: who submits it (the API passes the verified caller); the job's processes run as
   * that user. `teamFor` decides the job's team from the one its spec names (undefined:
   * none) and throws when the submitter may not use it; the API passes the caller's rule.
   */
  submit(specJson: string, opts: { owner?: string; teamFor?: (named: string | undefined) => string } = {}): Promise<Job> {
    let raw: unknown;
    try {
      raw = JSON.parse(specJson);
    } catch {
      return Promise.reject(new WattpackError('INVALID_ARGUMENT', 'the job spec is not valid JSON'));
    }
    if (opts.teamFor && raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
      const named = (raw as Record<string, unknown>).team;
      // A team that is not a string is the schema's to refuse.
      if (named === undefined || typeof named === 'string') {
        try {
          raw = { ...raw, team: opts.teamFor(named) };
        } catch (err) {
          return Promise.reject(err);
        }
      }
    }
    const parsed = parseJobSpec(raw, specJson);
    if (!parsed.success) return Promise.reject(new WattpackError('INVALID_ARGUMENT', `invalid job spec: ${parsed.error}`));
    const spec = parsed.data;
    return this.state.serial.run(async () => {
      this.checkFeasible(spec.gpus, spec.nodes, spec.gpuModels);
      this.checkQueue(spec.team);
      const now = this.now();
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
      this.requestCycle();
      return job;
    });
  }

  cancel(id: string, reason: string): Promise<Job> {
    return this.state.serial.run(async () => {
      const job = this.state.mustGet(id);
      if (isTerminal(job.state) || job.cancelRequested) return job;
      const why = `cancelled${reason ? `: ${reason}` : ''}`;
      if (job.state === 'PENDING') {
        const done: Job = { ...job, state: 'CANCELLED', reason: why, finishedAt: this.now() };
        await this.state.store(done);
        return done;
      }
      const next: Job = { ...job, cancelRequested: true, reason: why };
      await this.state.store(next);
      await this.commands.dispatchStops(next, why);
      return next;
    });
  }

  getJob(id: string): Job {
    return this.state.mustGet(id);
  }

  /** Every matching job, oldest first (submitted time, then id). */
  listJobs(filter: JobFilter = {}): Job[] {
    return this.state.listing.list(filter);
  }

  /** One page of matching jobs in the order of listJobs; pass nextPageToken back for the next. */
  pageJobs(query: JobQuery): JobPage {
    return this.state.listing.page(query);
  }

  listNodes(): LiveNode[] {
    return [...this.state.nodes.values()].sort((a, b) => a.record.id.localeCompare(b.record.id));
  }

  siteConfig(): SiteConfig {
    return this.state.site;
  }

  /** The cap planned against now (a grid event, or its lead time, lowers it). */
  effectiveCapW(): number {
    return this.snapshot().capW;
  }

  /** Operators: a new cap now, grid events ahead; admins: teams' shares. The next pass sheds or restores. */
  updateSite(change: SiteChange): Promise<SiteConfig> {
    return this.operators.updateSite(change);
  }

  /** The site as the core sees it now: what `wattpack site` and the tests count. */
  snapshot(): SiteSnapshot {
    return this.state.snapshot();
  }

  /** A running job's measured power this attempt; undefined while it warms up. */
  powerOf(jobId: string): JobPower | undefined {
    return this.state.powerOf(jobId);
  }

  // ---- Agents -------------------------------------------------------------

  registerNode(reg: { nodeId: string; labels: Record<string, string>; inventory: NodeInventory }): Promise<NodeRecord> {
    return this.reports.registerNode(reg);
  }

  /** Reports are frequent: kept in memory only, never written to the store. */
  report(nodeId: string, report: NodeReport): void {
    this.reports.report(nodeId, report);
  }

  nodeLost(nodeId: string, reason: string): Promise<void> {
    return this.reports.nodeLost(nodeId, reason);
  }

  /**
   * Nodes whose reports stopped are not ready; past their lease, their jobs are lost and
   * requeued elsewhere. Called on a timer.
   */
  checkLeases(): Promise<void> {
    return this.reports.checkLeases();
  }

  handleEvent(event: JobEvent): Promise<void> {
    return this.reports.handleEvent(event);
  }

  // ---- Operators: drain and uncordon ------------------------------------------

  /**
   * Cordons nodes at once and moves their work off: running jobs get their checkpoint
   * signal and grace (none with `force`) and go back to the queue to resume elsewhere;
   * miners are curtailed and retired. Without `migrate`, jobs may finish until the
   * deadline. At the deadline whatever still runs is stopped: a drain never hangs.
   */
  drain(selector: NodeSelector, opts: DrainOptions): Promise<NodeRecord[]> {
    return this.operators.drain(selector, opts);
  }

  uncordon(selector: NodeSelector): Promise<NodeRecord[]> {
    return this.operators.uncordon(selector);
  }

  /** Jobs holding GPUs on a node, not yet told to stop. */
  jobsOn(nodeId: string): Job[] {
    return this.state.jobsOn(nodeId);
  }

  /** Drain progress and deadlines; called on a timer. */
  checkDrains(): Promise<void> {
    return this.operators.checkDrains();
  }

  // ---- The cycle ------------------------------------------------------------

  /** Coalesces triggers: many submits or events in a burst cause one pass. */
  requestCycle(afterMs = 0): void {
    this.cycle.request(afterMs);
  }

  // ---- helpers ------------------------------------------------------------

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

  /** Refuses at submit what no known node could ever run: a typo should not wait forever. */
  private checkFeasible(gpus: number, nodes: number, models: string[]): void {
    const known = [...this.state.nodes.values()].map((n) => n.record.inventory.gpus);
    if (!known.some((g) => g.length > 0)) return; // no GPU node registered yet: nothing to compare with
    const counts = known.map((list) => {
      const byModel = new Map<string, number>();
      for (const g of list) byModel.set(canonicalModel(g.model), (byModel.get(canonicalModel(g.model)) ?? 0) + 1);
      return byModel;
    });
    const siteModels = [...new Set(counts.flatMap((c) => [...c.keys()]))];
    const accepted = models.length ? models : siteModels;
    if (!accepted.some((m) => siteModels.includes(m))) {
      throw new WattpackError('INVALID_ARGUMENT', `invalid job spec: gpuModels: no node of this site has ${models.join('|')} GPUs (it has ${siteModels.join(', ')})`);
    }
    const largest = Math.max(...counts.map((c) => Math.max(0, ...accepted.map((m) => c.get(m) ?? 0))));
    if (gpus > largest) {
      throw new WattpackError('INVALID_ARGUMENT', `invalid job spec: gpus: ${gpus} per node requested, but the largest node has ${largest} ${accepted.join('|')}`);
    }
    const capable = counts.filter((c) => accepted.some((m) => (c.get(m) ?? 0) >= gpus)).length;
    if (nodes > capable) {
      throw new WattpackError('INVALID_ARGUMENT', `invalid job spec: nodes: ${nodes} nodes with ${gpus} GPUs requested, but the site has ${capable}`);
    }
  }
}
