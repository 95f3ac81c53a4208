import { EventEmitter } from 'node:events';
import {
  WattpackError,
  describeIssues,
  isTerminal,
  jobSpecSchema,
  newId,
  type Assignment,
  type Job,
  type JobEvent,
  type Logger,
  type NodeInventory,
  type NodeRecord,
  type NodeReport,
  type SiteConfig,
  type StartCommand,
  type StopCommand,
} from '@wattpack/shared';
import { plan } from '../core/plan.js';
import type { Placement, Plan, SiteSnapshot } from '../core/snapshot.js';
import { applyEvent, holdsResources } from '../state/job-transitions.js';
import { buildSnapshot, canonicalModel, toQueued, type LiveNode } from '../state/snapshot-builder.js';
import { SerialQueue } from './serial.js';

/** Where the scheduler stores state and sends commands: KV and JetStream in production. */
export interface SchedulerPorts {
  putJob(job: Job): Promise<void>;
  putNode(node: NodeRecord): Promise<void>;
  putSite(site: SiteConfig): Promise<void>;
  sendCommand(nodeId: string, command: StartCommand | StopCommand): Promise<void>;
}

export interface SchedulerInit {
  site: SiteConfig;
  jobs: Map<string, Job>;
  nodes: Map<string, NodeRecord>;
  ports: SchedulerPorts;
  log: Logger;
  now?: () => number;
}

/**
 * The live scheduler: keeps jobs and nodes, turns API calls and agents' events into
 * stored state, and runs the packing cycle: snapshot -> plan (pure core) -> commit
 * (store) -> dispatch (commands). All changes run one at a time (SerialQueue), so
 * the plan is committed against the very state it was computed from.
 */
export class Scheduler {
  /** Emits 'job' (Job) after every stored change. */
  readonly changes = new EventEmitter();
  private site: SiteConfig;
  private readonly jobs: Map<string, Job>;
  private readonly nodes = new Map<string, LiveNode>();
  private readonly ports: SchedulerPorts;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly serial = new SerialQueue();
  private cycleRequested = false;
  private stopped = false;

  constructor(init: SchedulerInit) {
    this.site = init.site;
    this.jobs = init.jobs;
    this.ports = init.ports;
    this.log = init.log;
    this.now = init.now ?? Date.now;
    this.changes.setMaxListeners(0);
    // Until its agent reconnects, a node from the store is not ready; its jobs keep their GPUs.
    for (const record of init.nodes.values()) {
      this.nodes.set(record.id, { record: { ...record, status: 'NOT_READY', reason: 'waiting for the agent to reconnect' } });
    }
  }

  /**
   * After a restart: commands for placed jobs may not have reached the bus before the
   * crash. Send them again; dedupe ids and attempt ids make that harmless.
   */
  async recover(): Promise<void> {
    await this.serial.run(async () => {
      for (const job of this.jobs.values()) {
        if (job.state === 'STARTING') await this.dispatchStarts(job);
        if (job.cancelRequested || (isTerminal(job.state) && holdsResources(job))) await this.dispatchStops(job, job.reason);
      }
    });
    this.requestCycle();
  }

  stop(): void {
    this.stopped = true;
  }

  // ---- API ----------------------------------------------------------------

  submit(specJson: string): Promise<Job> {
    let raw: unknown;
    try {
      raw = JSON.parse(specJson);
    } catch {
      return Promise.reject(new WattpackError('INVALID_ARGUMENT', 'the job spec is not valid JSON'));
    }
    const parsed = jobSpecSchema.safeParse(raw);
    if (!parsed.success) return Promise.reject(new WattpackError('INVALID_ARGUMENT', `invalid job spec: ${describeIssues(parsed.error)}`));
    const spec = parsed.data;
    return this.serial.run(async () => {
      this.checkFeasible(spec.gpus, spec.nodes, spec.gpuModels);
      const now = this.now();
      const job: Job = {
        id: newId('j', now),
        spec,
        state: 'PENDING',
        reason: 'queued',
        submittedAt: now,
        attempt: 0,
        attemptId: '',
        assignments: [],
        powerLimitW: 0,
        allocatedFacilityW: 0,
      };
      await this.store(job);
      this.requestCycle();
      return job;
    });
  }

  cancel(id: string, reason: string): Promise<Job> {
    return this.serial.run(async () => {
      const job = this.mustGet(id);
      if (isTerminal(job.state) || job.cancelRequested) return job;
      const why = `cancelled${reason ? `: ${reason}` : ''}`;
      if (job.state === 'PENDING') {
        const done: Job = { ...job, state: 'CANCELLED', reason: why, finishedAt: this.now() };
        await this.store(done);
        return done;
      }
      const next: Job = { ...job, cancelRequested: true, reason: why };
      await this.store(next);
      await this.dispatchStops(next, why);
      return next;
    });
  }

  getJob(id: string): Job {
    return this.mustGet(id);
  }

  listJobs(filter: { states?: string[]; team?: string } = {}): Job[] {
    const states = filter.states?.length ? new Set(filter.states) : undefined;
    return [...this.jobs.values()]
      .filter((j) => (!states || states.has(j.state)) && (!filter.team || j.spec.team === filter.team))
      .sort((a, b) => a.submittedAt - b.submittedAt || a.id.localeCompare(b.id));
  }

  listNodes(): LiveNode[] {
    return [...this.nodes.values()].sort((a, b) => a.record.id.localeCompare(b.record.id));
  }

  siteConfig(): SiteConfig {
    return this.site;
  }

  /** The site as the core sees it now: what `wattpack site` and the tests count. */
  snapshot(): SiteSnapshot {
    return buildSnapshot(this.site, this.nodes.values(), this.jobs.values());
  }

  // ---- Agents -------------------------------------------------------------

  registerNode(reg: { nodeId: string; labels: Record<string, string>; inventory: NodeInventory }): Promise<NodeRecord> {
    return this.serial.run(async () => {
      const now = this.now();
      const prev = this.nodes.get(reg.nodeId);
      const record: NodeRecord = {
        id: reg.nodeId,
        labels: reg.labels,
        inventory: reg.inventory,
        status: 'READY',
        reason: '',
        registeredAt: prev?.record.registeredAt ?? now,
        lastSeenAt: now,
      };
      await this.ports.putNode(record);
      this.nodes.set(record.id, { record });
      this.log.info({ node: record.id, gpus: record.inventory.gpus.length, miners: record.inventory.miners.length }, 'node registered');
      this.requestCycle();
      return record;
    });
  }

  /** Reports are frequent: kept in memory only, never written to the store. */
  report(nodeId: string, report: NodeReport): void {
    const node = this.nodes.get(nodeId);
    if (!node) return;
    node.report = report;
    node.record = { ...node.record, lastSeenAt: this.now() };
  }

  nodeLost(nodeId: string, reason: string): Promise<void> {
    return this.serial.run(async () => {
      const node = this.nodes.get(nodeId);
      if (!node || node.record.status !== 'READY') return;
      node.record = { ...node.record, status: 'NOT_READY', reason };
      await this.ports.putNode(node.record);
      this.log.warn({ node: nodeId, reason }, 'node not ready');
    });
  }

  /** Marks nodes whose reports stopped; called on a timer. */
  async checkLeases(): Promise<void> {
    const leaseMs = this.site.nodeLeaseSeconds * 1000;
    const now = this.now();
    for (const { record } of this.nodes.values()) {
      if (record.status === 'READY' && now - record.lastSeenAt > leaseMs) {
        await this.nodeLost(record.id, `no report for ${Math.round((now - record.lastSeenAt) / 1000)}s`);
      }
    }
  }

  handleEvent(event: JobEvent): Promise<void> {
    return this.serial.run(async () => {
      const job = this.jobs.get(event.jobId);
      if (!job) return;
      const result = applyEvent(job, event, this.now());
      if (!result) return;
      await this.store(result.job);
      if (result.stopNodes.length > 0) await this.dispatchStops(result.job, result.job.reason, result.stopNodes);
      if (!holdsResources(result.job) || event.kind !== 'started') this.requestCycle();
    });
  }

  // ---- The cycle ------------------------------------------------------------

  /** Coalesces triggers: many submits or events in a burst cause one pass. */
  requestCycle(): void {
    if (this.cycleRequested || this.stopped) return;
    this.cycleRequested = true;
    setImmediate(() => {
      this.cycleRequested = false;
      this.serial.run(() => this.cycle()).catch((err) => this.log.error({ err }, 'scheduling cycle failed'));
    });
  }

  /** snapshot -> plan -> commit -> dispatch. Runs inside the serial queue. */
  private async cycle(): Promise<Plan | undefined> {
    if (this.stopped) return undefined;
    const pending = [...this.jobs.values()].filter((j) => j.state === 'PENDING');
    if (pending.length === 0) return undefined;
    const result = plan(this.snapshot(), pending.map(toQueued));
    const placed = await Promise.all(result.placements.map((p) => this.commitPlacement(p)));
    await Promise.all(placed.map((job) => this.dispatchStarts(job)));
    await Promise.all(
      result.waiting.map(async (w) => {
        const job = this.jobs.get(w.jobId)!;
        if (job.reason !== w.reason) await this.store({ ...job, reason: w.reason });
      }),
    );
    if (result.placements.length > 0) {
      this.log.info({ placed: result.placements.length, waiting: result.waiting.length, allocatedMw: +(result.allocatedW / 1e6).toFixed(3) }, 'cycle');
    }
    return result;
  }

  private async commitPlacement(p: Placement): Promise<Job> {
    const job = this.jobs.get(p.jobId)!;
    const attempt = job.attempt + 1;
    const assignments: Assignment[] = p.nodes.map((n) => ({ nodeId: n.nodeId, gpuIndices: n.gpuIndices, gpuModel: n.gpuModel, started: false, ended: false }));
    const next: Job = {
      ...job,
      state: 'STARTING',
      reason: '',
      attempt,
      attemptId: `${job.id}-a${attempt}`,
      assignments,
      powerLimitW: p.powerLimitW,
      allocatedFacilityW: p.facilityW,
    };
    await this.store(next);
    return next;
  }

  private async dispatchStarts(job: Job): Promise<void> {
    const { spec } = job;
    await Promise.all(
      job.assignments.map((a, rank) =>
        this.ports.sendCommand(a.nodeId, {
          kind: 'start',
          commandId: `start:${job.attemptId}:${a.nodeId}`,
          issuedAt: this.now(),
          jobId: job.id,
          attemptId: job.attemptId,
          attempt: job.attempt,
          nodeRank: rank,
          nodeCount: job.assignments.length,
          command: spec.command,
          args: spec.args,
          env: spec.env,
          ...(spec.image ? { image: spec.image } : {}),
          gpuIndices: a.gpuIndices,
          powerLimitW: job.powerLimitW,
          checkpoint: spec.checkpoint,
          ...(spec.maxRuntime ? { maxRuntimeSeconds: spec.maxRuntime } : {}),
        }),
      ),
    );
  }

  private async dispatchStops(job: Job, reason: string, nodes?: string[]): Promise<void> {
    const targets = job.assignments.filter((a) => !a.ended && (!nodes || nodes.includes(a.nodeId)));
    await Promise.all(
      targets.map((a) =>
        this.ports.sendCommand(a.nodeId, {
          kind: 'stop',
          commandId: `stop:${job.attemptId}:${a.nodeId}`,
          issuedAt: this.now(),
          jobId: job.id,
          attemptId: job.attemptId,
          reason,
          signal: job.spec.checkpoint.signal,
          graceSeconds: job.spec.checkpoint.graceSeconds,
        }),
      ),
    );
  }

  // ---- helpers ------------------------------------------------------------

  private async store(job: Job): Promise<void> {
    await this.ports.putJob(job);
    this.jobs.set(job.id, job);
    this.changes.emit('job', job);
  }

  private mustGet(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new WattpackError('NOT_FOUND', `no job with id ${id}`);
    return job;
  }

  /** Refuses at submit what no known node could ever run: a typo should not wait forever. */
  private checkFeasible(gpus: number, nodes: number, models: string[]): void {
    const known = [...this.nodes.values()].map((n) => n.record.inventory.gpus);
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
