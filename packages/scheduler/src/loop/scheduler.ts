import { WattpackError, quote, type Job, type JobEvent, type NodeRecord, type NodeReport, type SiteConfig, type UsageRecord } from '@wattpack/common/daemon';
import type { Applied } from '../core/driver.js';
import type { ShareStanding } from '../core/order.js';
import type { TeamUsage } from '../core/policy.js';
import type { JobPower, Plan, SiteSnapshot } from '../core/snapshot.js';
import { siteWatts, type SiteWatts } from '../core/watts.js';
import type { JobFilter, JobPage, JobQuery } from '../state/job-index.js';
import type { LiveNode } from '../state/snapshot-builder.js';
import { Commands } from './commands.js';
import { Cycle } from './cycle.js';
import { Intake, type SubmitOptions, type SubmitRequest } from './intake.js';
import { Metering } from './meter.js';
import { NodePowerControl } from './node-power.js';
import type { MeterSample } from '../meter/modbus-meter.js';
import type { MeterStatus } from '../meter/tracker.js';
import type { EventReport } from './compliance.js';
import { Operators, type CordonOptions, type DrainOptions, type NodeSelector, type SiteChange } from './operators.js';
import { Reports, type Registration } from './reports.js';
import { LoopState, type SchedulerInit } from './state.js';

/** An ambiguous reference lists this many of its jobs: enough to pick one, short enough to read. */
const AMBIGUOUS_LISTED = 10;

export type { SchedulerPorts, SchedulerInit } from './state.js';
export type { NodeSelector, CordonOptions, DrainOptions, SiteChange } from './operators.js';
export type { SubmitOptions } from './intake.js';

/**
 * The live scheduler: keeps jobs and nodes, turns API calls and agents' events into
 * stored state, and runs the packing cycle: snapshot -> plan (pure core) -> commit
 * (store) -> dispatch (commands). All changes run one at a time (SerialQueue), so
 * the plan is committed against the very state it was computed from.
 *
 * This class only wires the loop's rooms together and is what the API, the bus and
 * the server call: the live state (state.ts), one pass (cycle.ts), commands to agents
 * (commands.ts), agents' reports (reports.ts), operators' changes (operators.ts) and
 * submit/cancel (intake.ts).
 */
export class Scheduler {
  private readonly state: LoopState;
  private readonly cycle: Cycle;
  private readonly intake: Intake;
  private readonly reports: Reports;
  private readonly operators: Operators;
  private readonly metering: Metering;
  private readonly power: NodePowerControl;
  /** The clock every room reads, through this field (tests replace it). */
  private readonly now: () => number;
  private stopped = false;

  constructor(init: SchedulerInit) {
    this.now = init.now ?? Date.now;
    this.state = new LoopState({ ...init, now: () => this.now() });
    const commands = new Commands(this.state);
    this.power = new NodePowerControl(this.state, init.nodePower, () => this.cycle.request());
    this.state.idleSinceOf = (id, busy) => this.power.idleSinceOf(id, busy);
    this.cycle = new Cycle(this.state, commands, this.power, init.passGapMs);
    this.intake = new Intake(this.state, commands, this.cycle);
    this.operators = new Operators(this.state, commands, this.cycle);
    this.reports = new Reports(this.state, commands, this.cycle, this.operators, this.power);
    this.metering = new Metering(this.state, this.cycle);
  }

  /** Emits 'job', 'report' and 'pass' (see LoopState.changes). */
  get changes(): LoopState['changes'] {
    return this.state.changes;
  }

  /** After a restart: sends the commands of placed and stopping jobs again, and stores the rest of arrays cut off mid-submit. */
  async recover(): Promise<void> {
    await this.intake.completeArrays();
    await this.power.recover();
    await this.reports.recover();
  }

  stop(): void {
    this.stopped = true;
    this.cycle.stop();
    this.power.stop();
  }

  /**
   * Resolves once the changes queued so far, and the passes they asked for at once, are
   * done (tests wait on it; the serial queue lets the event loop turn between its tasks).
   */
  async settled(): Promise<void> {
    do {
      await this.state.serial.idle();
      // A pass asked for now starts on the event loop's next turn.
      await new Promise((r) => setImmediate(r));
      await this.cycle.passesDone();
    } while (this.state.serial.busy());
  }

  /** Coalesces triggers: many submits or events in a burst cause one pass. */
  requestCycle(afterMs = 0): void {
    this.cycle.request(afterMs);
  }

  // ---- API ----------------------------------------------------------------

  /** One submission (`requestId`, `array`: see SubmitRequest). */
  async submit(specJson: string, opts: SubmitOptions & Omit<SubmitRequest, 'specJson'> = {}): Promise<Job> {
    const { requestId, array, ...rest } = opts;
    return (await this.intake.submit([{ specJson, requestId, array }], rest))[0]!;
  }

  /** Many submissions at once, all or none; one job per request (an array's first task). */
  submitMany(requests: readonly SubmitRequest[], opts: SubmitOptions = {}): Promise<Job[]> {
    return this.intake.submit(requests, opts);
  }

  /** A job, or every task of an array given its id. */
  cancel(id: string, reason: string): Promise<Job> {
    return this.intake.cancelAny(id, reason);
  }

  getJob(id: string): Job {
    return this.state.mustGet(id);
  }

  /**
   * The one job a reference names (GetJob): its id (or an array task's "<array>_<index>"),
   * else its name, else a prefix of its id; a choice is refused, listing it.
   */
  findJob(ref: string): Job {
    const exact = this.state.find(ref);
    if (exact) return exact;
    const found = this.state.listing.lookup(ref);
    if (found.length === 1) return found[0]!;
    const shown = quote(ref);
    if (found.length === 0) throw new WattpackError('NOT_FOUND', `no job with id, name or id prefix ${shown}`);
    const newest = found.sort((a, b) => b.submittedAt - a.submittedAt);
    const listed = newest.slice(0, AMBIGUOUS_LISTED).map((j) => `${j.id} (${j.spec.name}, ${j.state}, ${j.owner || '-'})`);
    const more = found.length > AMBIGUOUS_LISTED ? `, and ${found.length - AMBIGUOUS_LISTED} more` : '';
    throw new WattpackError('INVALID_ARGUMENT', `${shown} names ${found.length} jobs, newest first: ${listed.join(', ')}${more}; give a job id or a longer prefix`);
  }

  /** A job, or an array's first task given the array's id. */
  jobOrArray(id: string): Job {
    return this.state.arrayTasks(id)?.[0] ?? this.state.mustGet(id);
  }

  /** The job with this id, or undefined where the job store has none (it may have left: history has it). */
  storedJob(id: string): Job | undefined {
    return this.state.jobs.get(id);
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

  /** Jobs holding GPUs on a node, not yet told to stop. */
  jobsOn(nodeId: string): Job[] {
    return this.state.jobsOn(nodeId);
  }

  siteConfig(): SiteConfig {
    return this.state.site;
  }

  /** The cap planned against now (a grid event, or its lead time, lowers it). */
  effectiveCapW(): number {
    return this.state.snapshot().capW;
  }

  /** Whether a grid event (a lower cap) is in force now, not only announced. */
  gridEventInForce(): boolean {
    const now = this.now();
    return this.state.site.gridEvents.some((e) => e.startMs <= now && now < e.startMs + e.durationS * 1000);
  }

  /** The site as the core sees it now: what `wattpack site` and the tests count. */
  snapshot(): SiteSnapshot {
    return this.state.snapshot();
  }

  /** What the next pass would do and what of it would commit now: a dry run, through the one driver. */
  preview(): { plan: Plan; applied: Applied } {
    return this.cycle.preview();
  }

  /** Every watt figure of the site (core/watts.ts), with what agents measured last. */
  siteWatts(snapshot: SiteSnapshot = this.snapshot()): SiteWatts {
    const nodes = this.listNodes();
    return siteWatts(
      snapshot,
      nodes.map(({ record, report }) => ({ nodeId: record.id, gpus: report?.gpus ?? [], miners: report?.miners ?? [] })),
      new Set(nodes.filter((n) => n.record.drain).map((n) => n.record.id)),
    );
  }

  /** A running job's measured power this attempt; undefined while it warms up. */
  powerOf(jobId: string): JobPower | undefined {
    return this.state.powerOf(jobId);
  }

  /** The running attempt's usage so far, as its record would say if it ended now; undefined for a job not running. */
  usageSoFar(jobId: string): UsageRecord | undefined {
    return this.state.usageSoFar(jobId);
  }

  /** Teams' decayed past usage, from the accounting store: fair share weighs it from the next pass. */
  setHistory(history: Record<string, TeamUsage>): void {
    this.state.history = history;
  }

  /** Each team with work, its share, decayed usage and fair-share factor, as the next pass will see them. */
  shares(): ShareStanding[] {
    return this.cycle.shares();
  }

  // ---- The facility meter ---------------------------------------------------

  /** One reading of the facility meter (or why there is none): judged, and counted from the next pass. */
  meterSample(sample: MeterSample): MeterStatus | undefined {
    return this.metering.sample(sample);
  }

  /** Grid events seen with a trusted meter: target against metered power, time to target, jobs slowed. */
  eventReports(): EventReport[] {
    return this.state.compliance.reports(this.state.jobs.values());
  }

  /** The meter's last judgement; undefined when the site has no meter. */
  meterStatus(): MeterStatus | undefined {
    return this.state.meterStatus;
  }

  // ---- Operators ------------------------------------------------------------

  updateSite(change: SiteChange): Promise<SiteConfig> {
    return this.operators.updateSite(change);
  }

  drain(selector: NodeSelector, opts: DrainOptions): Promise<NodeRecord[]> {
    return this.operators.drain(selector, opts);
  }

  cordon(selector: NodeSelector, opts: CordonOptions): Promise<NodeRecord[]> {
    return this.operators.cordon(selector, opts);
  }

  uncordon(selector: NodeSelector): Promise<NodeRecord[]> {
    return this.operators.uncordon(selector);
  }

  /** `wattpack node suspend|resume`: an idle server powered off, or one powered on, through its BMC. */
  setNodePower(nodeId: string, action: 'suspend' | 'resume', by: string): Promise<NodeRecord> {
    return this.state.serial.run(() => this.power.operator(nodeId, action, by));
  }

  /** Drain progress and deadlines; called on a timer. */
  /** Finished jobs past the site's retention leave the store (server.ts sweeps every 10 s). */
  forgetFinished(): Promise<number> {
    return this.state.serial.run(() => this.state.forgetFinished());
  }

  checkDrains(): Promise<void> {
    return this.operators.checkDrains();
  }

  // ---- Agents ---------------------------------------------------------------

  registerNode(reg: Registration): Promise<NodeRecord> {
    return this.reports.registerNode(reg);
  }

  /** Applied in the serial queue; resolves once applied (failures are logged, never thrown). */
  report(nodeId: string, report: NodeReport): Promise<void> {
    return this.reports.report(nodeId, report);
  }

  handleEvent(event: JobEvent): Promise<void> {
    return this.reports.events.handle(event);
  }

  /**
   * A stopped scheduler's agent streams end because it stops, not because their nodes
   * failed: the nodes are left as they are, for the next leader's leases to judge (marked
   * NOT_READY here, every one would be written again as it comes back).
   */
  nodeLost(nodeId: string, reason: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return this.reports.nodeLost(nodeId, reason);
  }

  /** Nodes whose reports stopped are not ready; past their lease, their jobs are lost. Called on a timer. */
  checkLeases(): Promise<void> {
    return this.reports.checkLeases();
  }
}
