import type { Job, JobEvent, NodeInventory, NodeRecord, NodeReport, SiteConfig } from '@wattpack/common';
import type { JobPower, SiteSnapshot } from '../core/snapshot.js';
import type { JobFilter, JobPage, JobQuery } from '../state/job-index.js';
import type { LiveNode } from '../state/snapshot-builder.js';
import { Commands } from './commands.js';
import { Cycle } from './cycle.js';
import { Intake, type SubmitOptions } from './intake.js';
import { Metering } from './meter.js';
import type { MeterSample } from '../meter/modbus-meter.js';
import type { MeterStatus } from '../meter/tracker.js';
import type { EventReport } from './compliance.js';
import { Operators, type DrainOptions, type NodeSelector, type SiteChange } from './operators.js';
import { Reports } from './reports.js';
import { LoopState, type SchedulerInit } from './state.js';

export type { SchedulerPorts, SchedulerInit } from './state.js';
export type { NodeSelector, DrainOptions, SiteChange } from './operators.js';
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
  /** The clock every room reads, through this field (tests replace it). */
  private readonly now: () => number;

  constructor(init: SchedulerInit) {
    this.now = init.now ?? Date.now;
    this.state = new LoopState({ ...init, now: () => this.now() });
    const commands = new Commands(this.state);
    this.cycle = new Cycle(this.state, commands);
    this.intake = new Intake(this.state, commands, this.cycle);
    this.operators = new Operators(this.state, commands, this.cycle);
    this.reports = new Reports(this.state, commands, this.cycle, this.operators);
    this.metering = new Metering(this.state, this.cycle);
  }

  /** Emits 'job' (Job) after every stored change. */
  get changes(): LoopState['changes'] {
    return this.state.changes;
  }

  /** After a restart: sends the commands of placed and stopping jobs again. */
  recover(): Promise<void> {
    return this.reports.recover();
  }

  stop(): void {
    this.cycle.stop();
  }

  /** Coalesces triggers: many submits or events in a burst cause one pass. */
  requestCycle(afterMs = 0): void {
    this.cycle.request(afterMs);
  }

  // ---- API ----------------------------------------------------------------

  submit(specJson: string, opts: SubmitOptions = {}): Promise<Job> {
    return this.intake.submit(specJson, opts);
  }

  cancel(id: string, reason: string): Promise<Job> {
    return this.intake.cancel(id, reason);
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

  /** The site as the core sees it now: what `wattpack site` and the tests count. */
  snapshot(): SiteSnapshot {
    return this.state.snapshot();
  }

  /** A running job's measured power this attempt; undefined while it warms up. */
  powerOf(jobId: string): JobPower | undefined {
    return this.state.powerOf(jobId);
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
    return this.state.meter;
  }

  // ---- Operators ------------------------------------------------------------

  updateSite(change: SiteChange): Promise<SiteConfig> {
    return this.operators.updateSite(change);
  }

  drain(selector: NodeSelector, opts: DrainOptions): Promise<NodeRecord[]> {
    return this.operators.drain(selector, opts);
  }

  uncordon(selector: NodeSelector): Promise<NodeRecord[]> {
    return this.operators.uncordon(selector);
  }

  /** Drain progress and deadlines; called on a timer. */
  checkDrains(): Promise<void> {
    return this.operators.checkDrains();
  }

  // ---- Agents ---------------------------------------------------------------

  registerNode(reg: { nodeId: string; labels: Record<string, string>; inventory: NodeInventory }): Promise<NodeRecord> {
    return this.reports.registerNode(reg);
  }

  report(nodeId: string, report: NodeReport): void {
    this.reports.report(nodeId, report);
  }

  handleEvent(event: JobEvent): Promise<void> {
    return this.reports.handleEvent(event);
  }

  nodeLost(nodeId: string, reason: string): Promise<void> {
    return this.reports.nodeLost(nodeId, reason);
  }

  /** Nodes whose reports stopped are not ready; past their lease, their jobs are lost. Called on a timer. */
  checkLeases(): Promise<void> {
    return this.reports.checkLeases();
  }
}
