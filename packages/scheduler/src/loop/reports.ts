import { GroupCommit, WattpackError, settled, isTerminal, type Job, type NodeInventory, type NodeRecord, type NodeReport } from '@wattpack/common/daemon';
import { PowerProfile } from '../core/power-profile.js';
import { holdsResources, markLost, readopt } from '../state/job-transitions.js';
import type { LiveNode } from '../state/snapshot-builder.js';
import type { Commands } from './commands.js';
import type { Cycle } from './cycle.js';
import { JobEvents } from './job-events.js';
import { DARK_STATES, type NodePowerControl } from './node-power.js';
import type { Operators } from './operators.js';
import type { LoopState } from './state.js';

/** How long a node from the store has to reconnect to a new leader before its jobs count as lost. */
const FAILOVER_LEASE_MS = 60_000;
/** How long after an agent registers its missing attempts count as lost. */
const MISSING_GRACE_MS = 5000;

/** A group of registrations this big is a fleet coming back at once: passes are spaced out while it lasts (cycle.ts). */
const STORM_GROUP = 10;
const STORM_HOLD_MS = 2000;

/** What became of a registration (wattpack_node_registrations_total). */
export type RegistrationResult = 'stored' | 'unchanged' | 'abandoned';

export type Registration = {
  nodeId: string;
  labels: Record<string, string>;
  inventory: NodeInventory;
  /** False once the agent gave up on this registration (its stream ended): it is then skipped. */
  wanted?: () => boolean;
};

/**
 * What agents tell the scheduler: registration, reports (telemetry into power profiles,
 * attempts reconciled with the stored state), job events, and silence (leases, nodes
 * lost). Also recovery after a restart.
 */
export class Reports {
  readonly events: JobEvents;
  private readonly registrations: GroupCommit<Registration, NodeRecord>;
  private leaseCheck: Promise<void> | undefined;

  constructor(
    private readonly state: LoopState,
    private readonly commands: Commands,
    private readonly cycle: Cycle,
    private readonly operators: Operators,
    private readonly power: NodePowerControl,
  ) {
    this.events = new JobEvents(state, commands, cycle);
    this.registrations = new GroupCommit(state.serial, (regs) => this.takeRegistrations(regs));
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
        if (job.pendingUsage?.length) await this.state.publishPendingUsage(job);
      }
    });
    this.cycle.request();
  }

  async registerNode(reg: Registration): Promise<NodeRecord> {
    // Before the agent hears it is registered: it waits for its consumer until then. Outside
    // the serial queue (it touches no state, and is idempotent): a fleet re-registering after
    // a restart makes its consumers side by side, not one round trip at a time.
    await this.state.ports.openNode(reg.nodeId);
    return this.registrations.add(reg);
  }

  /** An abandoned registration costs no store write: under a storm its agent is already retrying. */
  private abandoned(reg: Registration): boolean {
    if (reg.wanted?.() !== false) return false;
    this.state.log.debug({ node: reg.nodeId }, 'registration abandoned by its agent: skipped');
    this.state.changes.emit('registration', reg.nodeId, 'abandoned' satisfies RegistrationResult);
    return true;
  }

  /**
   * Inside the serial queue: the registrations that arrived together (a whole fleet after a
   * restart) store their nodes side by side, not one KV round trip after the other.
   */
  private async takeRegistrations(regs: Registration[]): Promise<PromiseSettledResult<NodeRecord>[]> {
    const gaveUp = (): PromiseRejectedResult => ({ status: 'rejected', reason: new WattpackError('UNAVAILABLE', 'the agent ended its stream before it was registered') });
    const results = await Promise.all(regs.map((reg) => (this.abandoned(reg) ? gaveUp() : settled(this.register(reg)))));
    if (regs.length >= STORM_GROUP) this.cycle.storm(STORM_HOLD_MS);
    this.cycle.request();
    return results;
  }

  private async register(reg: Registration): Promise<NodeRecord> {
    const now = this.state.now();
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
      ...this.power.onRegister(prev?.record),
    };
    // A node back with the record the store holds (a fleet after a restart): no write, its
    // last-seen time kept in memory as reports keep it: no KV put per node of the storm.
    const stored = this.state.storedNodes.get(record.id);
    const same = stored !== undefined && sameRecord(stored, record);
    if (!same) await this.state.ports.putNode(record);
    this.state.nodes.set(record.id, { record, connectedAt: now });
    this.state.log[same ? 'debug' : 'info']({ node: record.id, gpus: record.inventory.gpus.length, miners: record.inventory.miners.length }, 'node registered');
    this.state.changes.emit('registration', record.id, (same ? 'unchanged' : 'stored') satisfies RegistrationResult);
    return record;
  }

  /**
   * Reports are frequent: kept in memory only, never written to the store. Like every
   * change, one applies in the serial queue: never between a pass's plan and its commit
   * unseen, never half-way through another change.
   */
  report(nodeId: string, report: NodeReport): Promise<void> {
    return this.state.serial.run(() => this.applyReport(nodeId, report)).catch((err) => this.state.log.error({ err, node: nodeId }, 'applying a report failed'));
  }

  private async applyReport(nodeId: string, report: NodeReport): Promise<void> {
    const node = this.state.nodes.get(nodeId);
    if (!node) return;
    node.report = report;
    node.record = { ...node.record, lastSeenAt: this.state.now() };
    // Not ready for silence, speaking again (a starved agent, not a dead one): ready at once.
    await this.readyAgain(node);
    await this.reconcileAttempts(node, report);
    await this.recordPower(nodeId, report);
    this.state.hostPower.add(nodeId, report);
    this.state.changes.emit('report', nodeId, report);
    // A GPU that needs a reset or service: drain the node, with the agent's reason. The
    // drain is a serial task of its own, queued to run right after this one.
    const failed = report.gpus.find((g) => g.health === 'HEALTH_FAILED');
    if (failed && !node.record.drain) {
      const reason = `GPU ${failed.index} unhealthy: ${failed.healthReason || 'needs reset or service'}`;
      this.operators
        .drain({ nodeIds: [nodeId] }, { reason, by: 'wattpack', migrate: true, force: false, automatic: true })
        .catch((err) => this.state.log.error({ err, node: nodeId }, 'automatic drain failed'));
    }
  }

  /**
   * Feeds each attempt's draw to its job's profile, and confirms a limit change once every
   * GPU enforces it. A profile that becomes ready or flips to held back, and a confirmed
   * lower limit (watts now free), each call for a pass at once. A node speaks only for
   * the attempts placed on it: another job's draw in its report is ignored.
   */
  private async recordPower(nodeId: string, report: NodeReport): Promise<void> {
    const { state } = this;
    const rs = state.site.rightSizing;
    let pass = false;
    for (const a of report.attempts) {
      const job = state.jobs.get(a.jobId);
      const part = job?.assignments.find((p) => p.nodeId === nodeId);
      if (!job || !part || job.attemptId !== a.attemptId || !holdsResources(job)) continue;
      const drawW = attemptDrawW(report, a.gpuIndices);
      if (drawW !== undefined) state.meter(job, nodeId, part.startedAt ?? job.startedAt ?? a.startedAtMs, state.now(), drawW);
      let entry = state.profiles.get(job.id);
      if (entry?.attemptId !== job.attemptId) {
        entry = { attemptId: job.attemptId, profile: new PowerProfile(job.startedAt ?? a.startedAtMs, { warmupS: rs.warmupSeconds, window: rs.windowSamples, minSamples: rs.minSamples }) };
        state.profiles.set(job.id, entry);
      }
      if (a.maxDrawW !== undefined) {
        const held = (f: number | undefined) => (f === undefined ? undefined : f >= rs.heldFraction);
        const before = held(entry.profile.heldFraction());
        entry.profile.add({ atMs: state.now(), drawW: a.maxDrawW, capped: a.powerCapped ?? false });
        const after = held(entry.profile.heldFraction());
        if (after !== undefined && after !== before) pass = true;
      }
      const last = job.limitHistory?.at(-1);
      if (last && last.confirmedAt === undefined && this.enforcedEverywhere(job, last.limitW)) {
        await state.store({ ...job, limitHistory: [...job.limitHistory!.slice(0, -1), { ...last, confirmedAt: state.now() }] });
        pass = true;
      }
    }
    if (pass) this.cycle.request();
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
    const lostAt = this.state.now();
    return this.state.serial.run(() => {
      // Registered again since (its new stream's registration can be applied first: it joins
      // a group of registrations queued before this): that connection is the node's now.
      const node = this.state.nodes.get(nodeId);
      if (node?.connectedAt !== undefined && node.connectedAt >= lostAt) return;
      return this.notReady(nodeId, reason);
    });
  }

  /**
   * Inside the serial queue: a node found silent that reports again on its stream is READY
   * again, as a Kubernetes node is once its kubelet posts status. Reports come only on the
   * current stream, so a NOT_READY node that reports was silent, not disconnected (its
   * reports were late on a starved host: 137 of 3,200 nodes once, which stayed NOT_READY
   * while they reported); attempts lost meanwhile are stopped by reconcileAttempts first.
   */
  private async readyAgain(node: LiveNode): Promise<void> {
    const { record } = node;
    if (record.status !== 'NOT_READY' || (record.power && DARK_STATES.has(record.power.state))) return;
    node.record = { ...record, status: 'READY', reason: '' };
    await this.state.ports.putNode(node.record);
    this.state.log.info({ node: record.id, was: record.reason }, 'node reporting again: ready');
    this.cycle.request();
  }

  /** Inside the serial queue. */
  private async notReady(nodeId: string, reason: string): Promise<void> {
    const node = this.state.nodes.get(nodeId);
    if (!node || node.record.status !== 'READY') return;
    // A server being powered off goes dark as expected: not ready, and not a failure.
    const power = node.record.power?.state;
    const dark = power !== undefined && DARK_STATES.has(power);
    node.record = { ...node.record, status: 'NOT_READY', reason: dark ? `powered ${power === 'resuming' ? 'on, booting' : 'off'}` : reason };
    await this.state.ports.putNode(node.record);
    if (dark) this.state.log.info({ node: nodeId, power }, 'node dark while powered off');
    else this.state.log.warn({ node: nodeId, reason }, 'node not ready');
  }

  /**
   * Nodes whose reports stopped are not ready past their lease; past `nodeLostSeconds`, their
   * jobs are lost and requeued elsewhere. Called on a timer. Judged inside the serial queue, where reports
   * wait too: judged outside, a queue stalled past the lease (a big pass on a loaded
   * machine) made every node look silent while its reports waited, and requeued jobs that
   * had run, to run twice. One check waits in the queue at a time.
   */
  checkLeases(): Promise<void> {
    this.leaseCheck ??= this.state.serial.run(() => this.expireLeases()).finally(() => (this.leaseCheck = undefined));
    return this.leaseCheck;
  }

  private async expireLeases(): Promise<void> {
    const { nodeLeaseSeconds, nodeLostSeconds } = this.state.site;
    const leaseMs = nodeLeaseSeconds * 1000;
    const lostMs = nodeLostSeconds * 1000;
    const now = this.state.now();
    for (const { record, connectedAt } of this.state.nodes.values()) {
      // Off, or on its way off or on: silence is expected (resumeTimeout bounds a boot).
      if (record.power && DARK_STATES.has(record.power.state)) continue;
      const silentMs = now - record.lastSeenAt;
      if (silentMs <= leaseMs) continue;
      const silent = `no report for ${Math.round(silentMs / 1000)}s`;
      if (record.status === 'READY') await this.notReady(record.id, silent);
      // Not heard from since this scheduler took over: agents reconnect after it, a whole
      // fleet at once with backoff on a loaded control plane, and their attempts' end events
      // may still wait in the stream. A longer lease then (Nomad's failover heartbeat TTL):
      // losing a finished attempt would run it twice.
      if (silentMs > (connectedAt === undefined ? Math.max(lostMs, FAILOVER_LEASE_MS) : lostMs)) await this.loseJobs(record.id, silent);
    }
  }

  /** Inside the serial queue: the node's parts of these attempts (all, without ids) count as ended. */
  private async loseJobs(nodeId: string, reason: string, attemptIds?: Set<string>): Promise<void> {
    const { state } = this;
    for (const job of state.jobsOn(nodeId)) {
      if (attemptIds && !attemptIds.has(job.attemptId)) continue;
      const result = markLost(job, nodeId, reason, state.now());
      if (!result) continue;
      state.log.warn({ job: job.id, node: nodeId, reason }, 'attempt lost');
      await state.store(result.job);
      if (result.stopNodes.length > 0) await this.commands.dispatchStops(result.job, result.job.preempting ?? reason, result.stopNodes);
    }
    this.cycle.request();
  }

  /**
   * Inside the serial queue: compares what an agent runs with what the scheduler expects
   * there. Attempts it runs that have moved on (a node that was cut off and came back) are stopped before the
   * node takes new work; started attempts it does not report although it registered after
   * they started (an agent restart lost them) are lost and requeued.
   */
  private async reconcileAttempts(node: LiveNode, report: NodeReport): Promise<void> {
    await this.stopStale(node, report);
    await this.settleEnded(node.record.id, report);
    await this.loseMissing(node, report);
  }

  /**
   * Attempts the node runs whose job has moved on: killed at once. A lost attempt whose job
   * still waits in the queue, its GPUs free, is taken back instead (job-transitions `readopt`).
   */
  private async stopStale(node: LiveNode, report: NodeReport): Promise<void> {
    const nodeId = node.record.id;
    for (const a of report.attempts) {
      const job = this.state.jobs.get(a.jobId);
      const back = job && readopt(job, nodeId, a.attemptId);
      if (!back || this.gpusTaken(nodeId, back.assignments[0]!.gpuIndices)) continue;
      this.state.log.warn({ job: back.id, node: nodeId, attempt: back.attemptId }, 'a lost attempt still runs: taken back');
      await this.state.store(back);
    }
    const stale = report.attempts.filter((a) => {
      const job = this.state.jobs.get(a.jobId);
      const part = job?.assignments.find((p) => p.nodeId === nodeId);
      return !job || job.attemptId !== a.attemptId || !part || part.ended;
    });
    node.stale = stale.length > 0;
    for (const a of stale) {
      // A lost attempt still running, killed now: its exit is ours, not a result to settle by.
      const job = this.state.jobs.get(a.jobId);
      if (job?.lostAttempt?.attemptId === a.attemptId) {
        const { lostAttempt: _killed, ...rest } = job;
        await this.state.store(rest);
      }
      await this.commands.killStale(nodeId, a);
    }
  }

  /** One of these GPUs of the node is held by a job. */
  private gpusTaken(nodeId: string, gpuIndices: readonly number[]): boolean {
    return this.state.jobsOn(nodeId).some((j) => holdsResources(j) && j.assignments.some((p) => p.nodeId === nodeId && !p.ended && p.gpuIndices.some((g) => gpuIndices.includes(g))));
  }

  /**
   * Attempts that ended as the agent reports, though their event has not reached this
   * scheduler (a new leader, while the old one still holds it unacknowledged): settle them.
   */
  private async settleEnded(nodeId: string, report: NodeReport): Promise<void> {
    for (const e of report.ended ?? []) {
      const job = this.state.jobs.get(e.jobId);
      const part = job?.assignments.find((p) => p.nodeId === nodeId);
      const lateLost = job?.lostAttempt?.attemptId === e.attemptId;
      if (!job || (!lateLost && (job.attemptId !== e.attemptId || !part || part.ended))) continue;
      const base = { nodeId, jobId: e.jobId, attemptId: e.attemptId, at: e.atMs };
      await this.events.take([
        e.failed
          ? { ...base, kind: 'failed', reason: e.reason }
          : { ...base, kind: 'exited', exitCode: e.exitCode, ...(e.signal ? { signal: e.signal } : {}), ...(e.reason ? { reason: e.reason } : {}) },
      ]);
    }
  }

  /** Started attempts the agent no longer reports, though it registered after they started: lost. */
  private async loseMissing(node: LiveNode, report: NodeReport): Promise<void> {
    const nodeId = node.record.id;
    // Give the events of attempts that ended while the agent was away time to arrive first.
    const connectedAt = node.connectedAt ?? 0;
    if (this.state.now() - connectedAt < MISSING_GRACE_MS) return;
    const reported = new Set(report.attempts.map((a) => a.attemptId));
    const endedIds = new Set((report.ended ?? []).map((e) => e.attemptId));
    const missing = new Set(
      this.state
        .jobsOn(nodeId)
        .filter(
          (j) =>
            j.assignments.some((p) => p.nodeId === nodeId && p.started && !p.ended && (p.startedAt ?? Infinity) < connectedAt) &&
            !reported.has(j.attemptId) &&
            !endedIds.has(j.attemptId),
        )
        .map((j) => j.attemptId),
    );
    if (missing.size > 0) await this.loseJobs(nodeId, 'the agent restarted without it', missing);
  }
}

/** The same node record but for when it was last seen (JSON: the stored one was read back from it). */
const sameRecord = (a: NodeRecord, b: NodeRecord): boolean => JSON.stringify({ ...a, lastSeenAt: 0 }) === JSON.stringify({ ...b, lastSeenAt: 0 });

/** The attempt's GPUs' summed draw in a report; undefined when one of them reported none. */
export function attemptDrawW(report: NodeReport, gpuIndices: readonly number[]): number | undefined {
  let sum = 0;
  for (const i of gpuIndices) {
    const w = report.gpus.find((g) => g.index === i)?.powerDrawW;
    if (w === undefined) return undefined;
    sum += w;
  }
  return sum;
}
