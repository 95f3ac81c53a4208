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
import { PowerProfile } from '../core/power-profile.js';
import type { JobPower, SiteSnapshot } from '../core/snapshot.js';
import { applyEvent, holdsResources, markLost } from '../state/job-transitions.js';
import { type JobFilter, type JobPage, type JobQuery } from '../state/job-index.js';
import { canonicalModel, type LiveNode } from '../state/snapshot-builder.js';
import { Commands } from './commands.js';
import { Cycle } from './cycle.js';
import { Operators, type DrainOptions, type NodeSelector, type SiteChange } from './operators.js';
import { LoopState, type SchedulerInit } from './state.js';

export type { SchedulerPorts, SchedulerInit } from './state.js';
export type { NodeSelector, DrainOptions, SiteChange } from './operators.js';

/** How long after an agent registers its missing attempts count as lost. */
const MISSING_GRACE_MS = 5000;

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

  constructor(init: SchedulerInit) {
    this.now = init.now ?? Date.now;
    this.state = new LoopState({ ...init, now: () => this.now() });
    this.commands = new Commands(this.state);
    this.cycle = new Cycle(this.state, this.commands);
    this.operators = new Operators(this.state, this.commands, this.cycle);
  }

  /** Emits 'job' (Job) after every stored change. */
  get changes(): LoopState['changes'] {
    return this.state.changes;
  }

  /**
   * After a restart: commands for placed jobs may not have reached the bus before the
   * crash. Send them again; dedupe ids and attempt ids make that harmless.
   */
  async recover(): Promise<void> {
    await this.state.serial.run(async () => {
      for (const job of this.state.jobs.values()) {
        if (job.state === 'STARTING') await this.commands.dispatchStarts(job);
        if (job.cancelRequested || (isTerminal(job.state) && holdsResources(job))) await this.commands.dispatchStops(job, job.reason);
      }
    });
    this.requestCycle();
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
    return this.state.serial.run(async () => {
      const now = this.now();
      const prev = this.state.nodes.get(reg.nodeId);
      const record: NodeRecord = {
        id: reg.nodeId,
        labels: reg.labels,
        inventory: reg.inventory,
        status: 'READY',
        reason: '',
        registeredAt: prev?.record.registeredAt ?? now,
        lastSeenAt: now,
        ...(prev?.record.drain ? { drain: prev.record.drain } : {}),
      };
      // Before the agent hears it is registered: it waits for its consumer until then.
      await this.state.ports.openNode(record.id);
      await this.state.ports.putNode(record);
      this.state.nodes.set(record.id, { record, connectedAt: now });
      this.state.log.info({ node: record.id, gpus: record.inventory.gpus.length, miners: record.inventory.miners.length }, 'node registered');
      this.requestCycle();
      return record;
    });
  }

  /** Reports are frequent: kept in memory only, never written to the store. */
  report(nodeId: string, report: NodeReport): void {
    const node = this.state.nodes.get(nodeId);
    if (!node) return;
    node.report = report;
    node.record = { ...node.record, lastSeenAt: this.now() };
    this.reconcileAttempts(node, report).catch((err) => this.state.log.error({ err, node: nodeId }, 'reconciling attempts failed'));
    this.recordPower(report);
    // A GPU that needs a reset or service: drain the node, with the agent's reason.
    const failed = report.gpus.find((g) => g.health === 'HEALTH_FAILED');
    if (failed && !node.record.drain) {
      const reason = `GPU ${failed.index} unhealthy: ${failed.healthReason || 'needs reset or service'}`;
      this.drain({ nodeIds: [nodeId] }, { reason, by: 'wattpack', migrate: true, force: false, automatic: true }).catch((err) =>
        this.state.log.error({ err, node: nodeId }, 'automatic drain failed'),
      );
    }
  }

  /**
   * Feeds each attempt's draw to its job's profile, and confirms a limit change once every
   * GPU enforces it. A profile that becomes ready or flips to held back, and a confirmed
   * lower limit (watts now free), each call for a pass at once.
   */
  private recordPower(report: NodeReport): void {
    const rs = this.state.site.rightSizing;
    let pass = false;
    for (const a of report.attempts) {
      const job = this.state.jobs.get(a.jobId);
      if (!job || job.attemptId !== a.attemptId || !holdsResources(job)) continue;
      let entry = this.state.profiles.get(job.id);
      if (entry?.attemptId !== job.attemptId) {
        entry = { attemptId: job.attemptId, profile: new PowerProfile(job.startedAt ?? a.startedAtMs, { warmupS: rs.warmupSeconds, window: rs.windowSamples, minSamples: rs.minSamples }) };
        this.state.profiles.set(job.id, entry);
      }
      if (a.maxDrawW !== undefined) {
        const held = (f: number | undefined) => (f === undefined ? undefined : f >= rs.heldFraction);
        const before = held(entry.profile.heldFraction());
        entry.profile.add({ atMs: this.now(), drawW: a.maxDrawW, capped: a.powerCapped ?? false });
        const after = held(entry.profile.heldFraction());
        if (after !== undefined && after !== before) pass = true;
      }
      const last = job.limitHistory?.at(-1);
      if (last && last.confirmedAt === undefined && this.enforcedEverywhere(job, last.limitW)) {
        const confirmed: Job = { ...job, limitHistory: [...job.limitHistory!.slice(0, -1), { ...last, confirmedAt: this.now() }] };
        this.state.serial.run(() => (this.state.jobs.get(job.id) === job ? this.state.store(confirmed) : Promise.resolve())).catch((err) => this.state.log.error({ err, job: job.id }, 'recording a confirmed limit failed'));
        pass = true;
      }
    }
    if (pass) this.requestCycle();
  }

  /** Every node of the job reports its attempt's GPUs at `limitW` (within a watt). */
  private enforcedEverywhere(job: Job, limitW: number): boolean {
    return job.assignments.every((a) => {
      if (a.ended) return true;
      const mine = this.state.nodes.get(a.nodeId)?.report?.attempts.find((x) => x.attemptId === job.attemptId);
      return mine?.enforcedLimitW !== undefined && Math.abs(mine.enforcedLimitW - limitW) < 1;
    });
  }

  nodeLost(nodeId: string, reason: string): Promise<void> {
    return this.state.serial.run(async () => {
      const node = this.state.nodes.get(nodeId);
      if (!node || node.record.status !== 'READY') return;
      node.record = { ...node.record, status: 'NOT_READY', reason };
      await this.state.ports.putNode(node.record);
      this.state.log.warn({ node: nodeId, reason }, 'node not ready');
    });
  }

  /**
   * Nodes whose reports stopped are not ready; past their lease, their jobs are lost and
   * requeued elsewhere. Called on a timer.
   */
  async checkLeases(): Promise<void> {
    const leaseMs = this.state.site.nodeLeaseSeconds * 1000;
    const now = this.now();
    for (const { record } of this.state.nodes.values()) {
      if (now - record.lastSeenAt <= leaseMs) continue;
      const silent = `no report for ${Math.round((now - record.lastSeenAt) / 1000)}s`;
      if (record.status === 'READY') await this.nodeLost(record.id, silent);
      await this.loseJobsOn(record.id, silent);
    }
  }

  private loseJobsOn(nodeId: string, reason: string, attemptIds?: Set<string>): Promise<void> {
    return this.state.serial.run(async () => {
      for (const job of this.jobsOn(nodeId)) {
        if (attemptIds && !attemptIds.has(job.attemptId)) continue;
        const result = markLost(job, nodeId, reason, this.now());
        if (!result) continue;
        this.state.log.warn({ job: job.id, node: nodeId, reason }, 'attempt lost');
        await this.state.store(result.job);
        if (result.stopNodes.length > 0) await this.commands.dispatchStops(result.job, result.job.preempting ?? reason, result.stopNodes);
      }
      this.requestCycle();
    });
  }

  /**
   * Compares what an agent runs with what the scheduler expects there. Attempts it runs
   * that have moved on (a node that was cut off and came back) are stopped before the
   * node takes new work; started attempts it does not report although it registered after
   * they started (an agent restart lost them) are lost and requeued.
   */
  private async reconcileAttempts(node: LiveNode, report: NodeReport): Promise<void> {
    const nodeId = node.record.id;
    const reported = new Set(report.attempts.map((a) => a.attemptId));
    const stale = report.attempts.filter((a) => {
      const job = this.state.jobs.get(a.jobId);
      const part = job?.assignments.find((p) => p.nodeId === nodeId);
      return !job || job.attemptId !== a.attemptId || !part || part.ended;
    });
    node.stale = stale.length > 0;
    for (const a of stale) {
      await this.commands.killStale(nodeId, a);
    }
    // Attempts that ended as the agent reports, though their event has not reached this
    // scheduler (a new leader, while the old one still holds it unacknowledged): settle them.
    for (const e of report.ended ?? []) {
      const job = this.state.jobs.get(e.jobId);
      const part = job?.assignments.find((p) => p.nodeId === nodeId);
      if (!job || job.attemptId !== e.attemptId || !part || part.ended) continue;
      const base = { nodeId, jobId: e.jobId, attemptId: e.attemptId, at: e.atMs };
      await this.handleEvent(
        e.failed
          ? { ...base, kind: 'failed', reason: e.reason }
          : { ...base, kind: 'exited', exitCode: e.exitCode, ...(e.signal ? { signal: e.signal } : {}), ...(e.reason ? { reason: e.reason } : {}) },
      );
    }
    // Give the events of attempts that ended while the agent was away time to arrive first.
    const connectedAt = node.connectedAt ?? 0;
    if (this.now() - connectedAt < MISSING_GRACE_MS) return;
    const endedIds = new Set((report.ended ?? []).map((e) => e.attemptId));
    const missing = new Set(
      this.jobsOn(nodeId)
        .filter(
          (j) =>
            j.assignments.some((p) => p.nodeId === nodeId && p.started && !p.ended && (p.startedAt ?? Infinity) < connectedAt) &&
            !reported.has(j.attemptId) &&
            !endedIds.has(j.attemptId),
        )
        .map((j) => j.attemptId),
    );
    if (missing.size > 0) await this.loseJobsOn(nodeId, 'the agent restarted without it', missing);
  }

  handleEvent(event: JobEvent): Promise<void> {
    return this.state.serial.run(async () => {
      const job = this.state.jobs.get(event.jobId);
      if (!job) return;
      const result = applyEvent(job, event, this.now());
      if (!result) return;
      await this.state.store(result.job);
      if (result.stopNodes.length > 0) await this.commands.dispatchStops(result.job, result.job.reason, result.stopNodes);
      if (!holdsResources(result.job) || event.kind !== 'started') this.requestCycle();
    });
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
