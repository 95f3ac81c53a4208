import { EventEmitter } from 'node:events';
import { WattpackError, isTerminal, type AgentCommandInput, type Job, type Logger, type NodeRecord, type SiteConfig, type UsageRecord } from '@wattpack/common/daemon';
import { attemptEnded, usageRecord } from '../accounting/record.js';
import { planningLeadS } from '../core/cap-schedule.js';
import type { PowerProfile } from '../core/power-profile.js';
import { defaultPolicy, type TeamUsage } from '../core/policy.js';
import { UsageMeter } from '../core/usage-meter.js';
import type { JobPower, SiteSnapshot } from '../core/snapshot.js';
import type { MeterStatus } from '../meter/tracker.js';
import type { NodePowerPort } from '../power/bmc-power.js';
import { Compliance } from './compliance.js';
import { DARK_STATES } from './node-power.js';
import { holdsResources } from '../state/job-transitions.js';
import { JobIndex } from '../state/job-index.js';
import { HostPowerLearner } from '../state/host-power.js';
import { buildSnapshot, hostWatts, type LiveNode } from '../state/snapshot-builder.js';
import { SerialQueue } from './serial.js';

/** Where the scheduler stores state and sends commands: KV and JetStream in production. */
export interface SchedulerPorts {
  putJob(job: Job): Promise<void>;
  /** A finished job past its retention leaves the store (history keeps its record). */
  deleteJob(id: string): Promise<void>;
  putNode(node: NodeRecord): Promise<void>;
  putSite(site: SiteConfig): Promise<void>;
  /** Makes what a node needs to take its commands (its durable consumer): agents may not make it themselves. */
  openNode(nodeId: string): Promise<void>;
  /** The adapter stamps the scheduler's term on each command. */
  sendCommand(nodeId: string, command: AgentCommandInput): Promise<void>;
  /** Puts an ended attempt's usage record on the accounting stream (idempotent by attempt id). Absent: no accounting. */
  publishUsage?(record: UsageRecord): Promise<void>;
}

export interface SchedulerInit {
  site: SiteConfig;
  jobs: Map<string, Job>;
  nodes: Map<string, NodeRecord>;
  ports: SchedulerPorts;
  log: Logger;
  now?: () => number;
  /** Servers' power through their BMCs (power saving); absent: never powered off. */
  nodePower?: NodePowerPort;
  /** The least time between the starts of two packing passes (cycle.ts MIN_PASS_GAP_MS by default). */
  passGapMs?: number;
}

/**
 * The live state every room of the loop shares: the site, jobs and nodes, their indexes
 * (jobs by node, the ListJobs listing), running jobs' power profiles, and the one serial
 * queue every change goes through. `store` is the only way a job changes.
 */
export class LoopState {
  /**
   * Emits 'job' (Job) after every stored change, 'report' (nodeId, NodeReport) for each
   * agent report, and 'pass' (cycle.ts PassRecord) after each packing pass: what the
   * observers (observe/) watch without the loop knowing them.
   */
  readonly changes = new EventEmitter();
  site: SiteConfig;
  readonly jobs: Map<string, Job>;
  /** The jobs in listing order, and each team's queued count. */
  readonly listing: JobIndex;
  readonly nodes = new Map<string, LiveNode>();
  /** Node id -> ids of the jobs holding GPUs there (parts not ended). */
  private readonly onNode = new Map<string, Set<string>>();
  /** Owner + request id -> job id: rebuilt from the stored jobs, so it survives a restart. */
  private readonly byRequest = new Map<string, string>();
  /** The jobs holding GPUs (or watts) now: what a snapshot reads, rather than every job stored. */
  private readonly holding = new Set<string>();
  /** Array id -> its tasks' ids by index. */
  private readonly arrays = new Map<string, Map<number, string>>();
  readonly ports: SchedulerPorts;
  /**
   * Each node's record as the store holds it, as far as this term knows (loaded, then each
   * write): a node that registers again with it needs no write (reports.ts).
   */
  readonly storedNodes = new Map<string, NodeRecord>();
  readonly log: Logger;
  readonly now: () => number;
  readonly serial = new SerialQueue();
  /** Each running job's power profile, from its agents' reports (memory only: it rebuilds within a window). */
  readonly profiles = new Map<string, { attemptId: string; profile: PowerProfile }>();
  /** Each running attempt's energy so far, by job (memory only: see UsageMeter). */
  readonly meters = new Map<string, { attemptId: string; meter: UsageMeter }>();
  /** Teams' decayed past usage for fair share, refreshed from the accounting store (empty without one). */
  history: Record<string, TeamUsage> = {};
  /** Each node's host power, learned from its BMC readings (memory only: it rebuilds within minutes). */
  readonly hostPower = new HostPowerLearner();
  /** Grid events against the meter's readings (compliance.ts). */
  readonly compliance = new Compliance();
  /** The facility meter's last judgement (loop/meter.ts); undefined without a meter. */
  meterStatus: MeterStatus | undefined;
  /** Power saving's idle timer (loop/node-power.ts sets it): since when a node has had no GPU held. */
  idleSinceOf: ((nodeId: string, busy: boolean) => number | undefined) | undefined;

  constructor(init: SchedulerInit) {
    this.site = init.site;
    this.jobs = init.jobs;
    this.listing = new JobIndex(this.jobs);
    const { putNode } = init.ports;
    this.ports = {
      ...init.ports,
      putNode: async (record) => {
        this.storedNodes.delete(record.id);
        await putNode(record);
        this.storedNodes.set(record.id, record);
      },
    };
    this.log = init.log;
    this.now = init.now ?? Date.now;
    this.changes.setMaxListeners(0);
    for (const job of this.jobs.values()) this.index(undefined, job);
    // Until its agent reconnects, a node from the store is not ready; its jobs keep their GPUs.
    // Their leases start again from now: agents need a moment to reconnect to a new scheduler.
    const start = this.now();
    for (const record of init.nodes.values()) {
      this.storedNodes.set(record.id, record);
      // A server power saving holds off keeps its reason: no agent is coming.
      const dark = record.power && DARK_STATES.has(record.power.state);
      this.nodes.set(record.id, {
        record: { ...record, status: 'NOT_READY', reason: dark ? record.reason : 'waiting for the agent to reconnect', lastSeenAt: Math.max(record.lastSeenAt, start) },
      });
    }
  }

  /**
   * Stores a job's change. A change that ends an attempt (every part has ended: the
   * record is final) first puts the attempt's usage record on the accounting stream, so
   * that the change is one write; a record the stream did not take goes with the job
   * (`pendingUsage`) and `publishPendingUsage` sends it again (on recovery too). A crash
   * between the two sends the record again when the change is applied again; the stream
   * drops the copy by attempt id.
   * `passed`: states the job went through in memory on its way to `change`, never stored
   * (one job's events that came together: started and exited within milliseconds); the
   * attempt's record counts from the last of them, and watchers see each.
   */
  async store(change: Job, passed: readonly Job[] = []): Promise<void> {
    const before = this.jobs.get(change.id);
    const held = passed.at(-1) ?? before;
    const job = attemptEnded(held, change) && this.ports.publishUsage ? await this.withUsageSent(change, this.usageOf(held, change)) : change;
    await this.ports.putJob(job);
    this.index(before, job);
    this.listing.update(before, job);
    this.jobs.set(job.id, job);
    if (!holdsResources(job)) {
      this.profiles.delete(job.id);
      this.meters.delete(job.id);
    }
    for (const step of passed) this.changes.emit('job', step);
    this.changes.emit('job', job);
    if (job.pendingUsage?.length) await this.publishPendingUsage(job);
  }

  /**
   * Why a pending job waits: every pass works it out again, so it is kept in memory only
   * (a KV write per waiting job and change cost about what its submit did); the job's next
   * stored change carries it, and after a restart the first pass says it again.
   */
  setWaitReason(job: Job, reason: string): void {
    const next: Job = { ...job, reason };
    this.listing.update(job, next);
    this.jobs.set(job.id, next);
    this.changes.emit('job', next);
  }

  /**
   * Stores a job's change with the late record of an attempt judged lost (job-transitions
   * `settleLate`): as it ran and ended at `endedAt`, it replaces the attempt's REQUEUED one.
   */
  async storeWithLate(change: Job, late: { before: Job; after: Job }, endedAt: number): Promise<void> {
    await this.store(this.ports.publishUsage ? await this.withUsageSent(change, this.usageOf(late.before, late.after, endedAt)) : change);
  }

  /** The change, with the record kept as pending unless the stream took it now. */
  private async withUsageSent(change: Job, record: UsageRecord): Promise<Job> {
    try {
      await this.ports.publishUsage!(record);
      return change;
    } catch (err) {
      this.log.error({ err, job: change.id }, 'usage record not on the accounting stream yet: kept with the job, sent again');
      return { ...change, pendingUsage: [...(change.pendingUsage ?? []), record] };
    }
  }

  /** Sends a job's pending usage records; on failure they stay with the job for the next try (recovery). */
  async publishPendingUsage(job: Job): Promise<void> {
    try {
      for (const record of job.pendingUsage ?? []) await this.ports.publishUsage!(record);
    } catch (err) {
      this.log.error({ err, job: job.id }, 'usage records not on the accounting stream yet: sent again on recovery');
      return;
    }
    const { pendingUsage: _sent, ...rest } = job;
    await this.store(rest);
  }

  /** The running attempt's record as if it ended now (its job as if requeued); undefined for a job not holding GPUs. */
  usageSoFar(jobId: string): UsageRecord | undefined {
    const job = this.jobs.get(jobId);
    if (!job || !holdsResources(job)) return undefined;
    return this.usageOf(job, { ...job, state: 'RUNNING', reason: 'running' });
  }

  /** The record of the attempt `before` held, ending now with the change `after`. */
  private usageOf(before: Job, after: Job, endedAt = this.now()): UsageRecord {
    const metered = this.meters.get(before.id);
    return usageRecord({
      before,
      after,
      endedAt,
      meter: metered?.attemptId === before.attemptId ? metered.meter : undefined,
      host: (nodeId) => {
        const inventory = this.nodes.get(nodeId)?.record.inventory;
        return inventory && { busyW: hostWatts(inventory, this.site, this.hostPower.estimate(nodeId)).hostBusyW, gpus: inventory.gpus.length };
      },
      site: this.site,
      checkpointIntervalS: defaultPolicy().checkpointIntervalS,
    });
  }

  /** A report's draw for a running attempt's part on `nodeId`: into the attempt's meter. */
  meter(job: Job, nodeId: string, startedAt: number, atMs: number, gpuW: number): void {
    let entry = this.meters.get(job.id);
    if (entry?.attemptId !== job.attemptId) {
      entry = { attemptId: job.attemptId, meter: new UsageMeter() };
      this.meters.set(job.id, entry);
    }
    entry.meter.addPart(nodeId, startedAt);
    entry.meter.sample(nodeId, atMs, gpuW);
  }

  /** Finished jobs past the site's retention leave memory and the store; returns how many. */
  async forgetFinished(): Promise<number> {
    const before = this.now() - this.site.finishedJobRetention * 1000;
    const gone: Job[] = [];
    for (const job of this.jobs.values()) {
      // A job whose usage record has not reached the accounting stream stays until it has.
      if (isTerminal(job.state) && !job.pendingUsage?.length && (job.finishedAt ?? job.submittedAt) < before) gone.push(job);
    }
    const done: Job[] = [];
    try {
      for (const job of gone) {
        await this.ports.deleteJob(job.id);
        done.push(job);
      }
    } finally {
      // A failed delete leaves the rest for the next sweep. Reads (ListJobs) run between
      // the store's deletes: the map, its indexes and the listing lose the jobs in one step.
      for (const job of done) {
        this.jobs.delete(job.id);
        this.holding.delete(job.id);
        if (job.requestId) this.byRequest.delete(requestKey(job.owner, job.requestId));
        if (job.array) this.forgetTask(job.array);
      }
      this.listing.remove(done);
    }
    return done.length;
  }

  /** A job by id; an array's task also by "<array id>_<index>" without the padding. */
  find(id: string): Job | undefined {
    const task = /^(.+)_(\d{1,9})$/.exec(id);
    return this.jobs.get(id) ?? (task ? this.jobs.get(this.arrays.get(task[1]!)?.get(Number(task[2])) ?? '') : undefined);
  }

  mustGet(id: string): Job {
    const job = this.find(id);
    if (!job) throw new WattpackError('NOT_FOUND', `no job with id ${id}`);
    return job;
  }

  /** The tasks of the array with this id (index order); undefined when it is not an array's id. */
  arrayTasks(id: string): Job[] | undefined {
    const tasks = this.arrays.get(id);
    return tasks && [...tasks.keys()].sort((a, b) => a - b).map((i) => this.jobs.get(tasks.get(i)!)!);
  }

  /** Jobs holding GPUs on a node, not yet told to stop. */
  jobsOn(nodeId: string): Job[] {
    return [...(this.onNode.get(nodeId) ?? [])].map((id) => this.jobs.get(id)!);
  }

  /** The job a submit with this request id already made, if it is still stored. */
  jobForRequest(owner: string, requestId: string): Job | undefined {
    const id = this.byRequest.get(requestKey(owner, requestId));
    return id === undefined ? undefined : this.jobs.get(id);
  }

  private forgetTask(task: NonNullable<Job['array']>): void {
    const tasks = this.arrays.get(task.jobId);
    tasks?.delete(task.index);
    if (tasks?.size === 0) this.arrays.delete(task.jobId);
  }

  /** Keeps `onNode` in step with a job's parts: reports look it up every second, per node. */
  private index(before: Job | undefined, after: Job): void {
    if (!before && after.requestId) this.byRequest.set(requestKey(after.owner, after.requestId), after.id);
    if (!before && after.array) (this.arrays.get(after.array.jobId) ?? this.arrays.set(after.array.jobId, new Map()).get(after.array.jobId)!).set(after.array.index, after.id);
    for (const a of before?.assignments ?? []) this.onNode.get(a.nodeId)?.delete(after.id);
    if (!holdsResources(after)) return void this.holding.delete(after.id);
    this.holding.add(after.id);
    for (const a of after.assignments) {
      if (a.ended) continue;
      (this.onNode.get(a.nodeId) ?? this.onNode.set(a.nodeId, new Set()).get(a.nodeId)!).add(after.id);
    }
  }

  /** The site as the core sees it now: what `wattpack site` and the tests count. */
  snapshot(): SiteSnapshot {
    return buildSnapshot(this.site, this.nodes.values(), this.holdingJobs(), {
      now: this.now(),
      defaultRuntimeS: this.site.defaultRuntime,
      leadS: this.shedLeadS(),
      powerOf: (id) => this.powerOf(id),
      hostPowerOf: (id) => this.hostPower.estimate(id),
      ...(this.meterStatus ? { meterFactor: this.meterStatus.factor } : {}),
      ...(this.idleSinceOf && this.site.powerSaving.enabled ? { idleSinceOf: this.idleSinceOf } : {}),
    });
  }

  /** A running job's measured power this attempt; undefined while it warms up. */
  powerOf(jobId: string): JobPower | undefined {
    const entry = this.profiles.get(jobId);
    const job = this.jobs.get(jobId);
    return entry && job && entry.attemptId === job.attemptId && holdsResources(job) ? entry.profile.summary() : undefined;
  }

  /** Time to be under an announced lower cap: the core's lead for the longest checkpoint grace of running jobs. */
  private shedLeadS(): number {
    let grace = 0;
    for (const j of this.holdingJobs()) grace = Math.max(grace, j.spec.checkpoint.graceSeconds);
    return planningLeadS(grace);
  }

  /** The jobs holding resources: passes read them twice each, and finished jobs stay stored for their retention. */
  private *holdingJobs(): Iterable<Job> {
    for (const id of this.holding) yield this.jobs.get(id)!;
  }
}

const requestKey = (owner: string, requestId: string): string => `${owner}\n${requestId}`;
