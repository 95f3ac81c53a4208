import { EventEmitter } from 'node:events';
import { WattpackError, type AgentCommandInput, type Job, type Logger, type NodeRecord, type SiteConfig } from '@wattpack/common';
import { planningLeadS } from '../core/cap-schedule.js';
import type { PowerProfile } from '../core/power-profile.js';
import type { JobPower, SiteSnapshot } from '../core/snapshot.js';
import type { MeterStatus } from '../meter/tracker.js';
import { Compliance } from './compliance.js';
import { holdsResources } from '../state/job-transitions.js';
import { JobIndex } from '../state/job-index.js';
import { HostPowerLearner } from '../state/host-power.js';
import { buildSnapshot, type LiveNode } from '../state/snapshot-builder.js';
import { SerialQueue } from './serial.js';

/** Where the scheduler stores state and sends commands: KV and JetStream in production. */
export interface SchedulerPorts {
  putJob(job: Job): Promise<void>;
  putNode(node: NodeRecord): Promise<void>;
  putSite(site: SiteConfig): Promise<void>;
  /** Makes what a node needs to take its commands (its durable consumer): agents may not make it themselves. */
  openNode(nodeId: string): Promise<void>;
  /** The adapter stamps the scheduler's term on each command. */
  sendCommand(nodeId: string, command: AgentCommandInput): Promise<void>;
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
 * The live state every room of the loop shares: the site, jobs and nodes, their indexes
 * (jobs by node, the ListJobs listing), running jobs' power profiles, and the one serial
 * queue every change goes through. `store` is the only way a job changes.
 */
export class LoopState {
  /** Emits 'job' (Job) after every stored change. */
  readonly changes = new EventEmitter();
  site: SiteConfig;
  readonly jobs: Map<string, Job>;
  /** The jobs in listing order, and each team's queued count. */
  readonly listing: JobIndex;
  readonly nodes = new Map<string, LiveNode>();
  /** Node id -> ids of the jobs holding GPUs there (parts not ended). */
  private readonly onNode = new Map<string, Set<string>>();
  readonly ports: SchedulerPorts;
  readonly log: Logger;
  readonly now: () => number;
  readonly serial = new SerialQueue();
  /** Each running job's power profile, from its agents' reports (memory only: it rebuilds within a window). */
  readonly profiles = new Map<string, { attemptId: string; profile: PowerProfile }>();
  /** Each node's host power, learned from its BMC readings (memory only: it rebuilds within minutes). */
  readonly hostPower = new HostPowerLearner();
  /** Grid events against the meter's readings (compliance.ts). */
  readonly compliance = new Compliance();
  /** The facility meter's last judgement (loop/meter.ts); undefined without a meter. */
  meter: MeterStatus | undefined;

  constructor(init: SchedulerInit) {
    this.site = init.site;
    this.jobs = init.jobs;
    this.listing = new JobIndex(this.jobs);
    this.ports = init.ports;
    this.log = init.log;
    this.now = init.now ?? Date.now;
    this.changes.setMaxListeners(0);
    for (const job of this.jobs.values()) this.index(undefined, job);
    // Until its agent reconnects, a node from the store is not ready; its jobs keep their GPUs.
    // Their leases start again from now: agents need a moment to reconnect to a new scheduler.
    const start = this.now();
    for (const record of init.nodes.values()) {
      this.nodes.set(record.id, {
        record: { ...record, status: 'NOT_READY', reason: 'waiting for the agent to reconnect', lastSeenAt: Math.max(record.lastSeenAt, start) },
      });
    }
  }

  async store(job: Job): Promise<void> {
    await this.ports.putJob(job);
    this.index(this.jobs.get(job.id), job);
    this.listing.update(this.jobs.get(job.id), job);
    this.jobs.set(job.id, job);
    if (!holdsResources(job)) this.profiles.delete(job.id);
    this.changes.emit('job', job);
  }

  mustGet(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new WattpackError('NOT_FOUND', `no job with id ${id}`);
    return job;
  }

  /** Jobs holding GPUs on a node, not yet told to stop. */
  jobsOn(nodeId: string): Job[] {
    return [...(this.onNode.get(nodeId) ?? [])].map((id) => this.jobs.get(id)!);
  }

  /** Keeps `onNode` in step with a job's parts: reports look it up every second, per node. */
  private index(before: Job | undefined, after: Job): void {
    for (const a of before?.assignments ?? []) this.onNode.get(a.nodeId)?.delete(after.id);
    if (!holdsResources(after)) return;
    for (const a of after.assignments) {
      if (a.ended) continue;
      (this.onNode.get(a.nodeId) ?? this.onNode.set(a.nodeId, new Set()).get(a.nodeId)!).add(after.id);
    }
  }

  /** The site as the core sees it now: what `wattpack site` and the tests count. */
  snapshot(): SiteSnapshot {
    return buildSnapshot(this.site, this.nodes.values(), this.jobs.values(), {
      now: this.now(),
      defaultRuntimeS: this.site.defaultRuntime,
      leadS: this.shedLeadS(),
      powerOf: (id) => this.powerOf(id),
      hostPowerOf: (id) => this.hostPower.estimate(id),
      ...(this.meter ? { meterFactor: this.meter.factor } : {}),
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
    for (const j of this.jobs.values()) if (holdsResources(j)) grace = Math.max(grace, j.spec.checkpoint.graceSeconds);
    return planningLeadS(grace);
  }
}
