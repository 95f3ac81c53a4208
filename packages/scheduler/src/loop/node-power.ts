import { WattpackError, type NodePowerRecord, type NodePowerState, type NodeRecord } from '@wattpack/common/daemon';
import type { NodePowerPort } from '../power/bmc-power.js';
import type { LoopState } from './state.js';

/** A failed power-on is tried again after 2 s, doubling to 30 s, until resumeTimeout marks the node down. */
const RETRY_FIRST_MS = 2000;
const RETRY_MAX_MS = 30_000;
/** A server whose power-off failed is not asked again for this long: shedding would ask every pass. */
const OFF_RETRY_MS = 60_000;
/** How often a BMC's PowerState is read while its server shuts down. */
const CONFIRM_POLL_MS = 2000;

/** Power states in which the agent is expected to be dark (or not up yet): no lease, not lost. */
export const DARK_STATES: ReadonlySet<NodePowerState> = new Set(['suspending', 'off', 'resuming', 'down']);

/**
 * Power saving in the live loop (docs/scheduling.md, "Power saving"): the driver target's
 * node power (the planner's suspends, resumes and resume timeouts) and operators' `wattpack
 * node suspend|resume`, carried out through the BMC port as Slurm's controller runs its
 * SuspendProgram and ResumeProgram. Each change is stored with the node (wp-nodes) before
 * its BMC is told, so a new leader knows which servers are off; the BMC call runs outside
 * the serial queue (a BMC may take seconds) and its outcome comes back through it.
 * A server counts as off only once its BMC reads PowerState Off (watch, below).
 */
export class NodePowerControl {
  /** Since when each node on has had no GPU held (ms): the idle timer, kept in memory as Slurm's is. */
  private readonly idleSince = new Map<string, number>();
  private readonly retries = new Map<string, { timer: NodeJS.Timeout; delayMs: number }>();
  /** When each server's last power-off failed. */
  private readonly offFailedAt = new Map<string, number>();
  /** Shutdowns accepted by their BMCs, not yet read off: the next PowerState read of each. */
  private readonly watches = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly state: LoopState,
    private readonly port: NodePowerPort | undefined,
    private readonly requestPass: () => void,
  ) {}

  stop(): void {
    this.stopped = true;
    for (const { timer } of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    for (const timer of this.watches.values()) clearTimeout(timer);
    this.watches.clear();
  }

  /** Whether the node's power can be switched: power saving on and a BMC for it. */
  covers(nodeId: string): boolean {
    return this.state.site.powerSaving.enabled && (this.port?.covers(nodeId) ?? false);
  }

  /** Whether the planner may power the node off now: it has a BMC, and its last power-off did not fail lately. */
  mayPowerOff(nodeId: string): boolean {
    const failedAt = this.offFailedAt.get(nodeId);
    return this.covers(nodeId) && (failedAt === undefined || this.state.now() - failedAt >= OFF_RETRY_MS);
  }

  /** The idle timer's start for a node in a snapshot: undefined while busy or not on. */
  idleSinceOf(nodeId: string, busy: boolean): number | undefined {
    const power = this.state.nodes.get(nodeId)?.record.power?.state ?? 'on';
    if (busy || power !== 'on') return void this.idleSince.delete(nodeId);
    let since = this.idleSince.get(nodeId);
    if (since === undefined) this.idleSince.set(nodeId, (since = this.state.now()));
    return since;
  }

  /** The driver target's nodePower, inside the serial queue: stored first, then the BMC told. */
  async apply(ids: readonly string[], action: 'suspend' | 'resume' | 'down'): Promise<void> {
    const ps = this.state.site.powerSaving;
    for (const id of ids) {
      if (action === 'down') {
        await this.store(id, 'down', `not back within resumeTimeout (${ps.resumeTimeout} s) of its power-on`, 'wattpack');
        continue;
      }
      const reason = action === 'resume' ? 'powered on for waiting work' : this.suspendReason(id, ps.suspendAfter);
      await this.begin(id, action === 'suspend' ? 'suspending' : 'resuming', reason, 'wattpack');
    }
  }

  /** `wattpack node suspend|resume`, inside the serial queue: refused with why, else begun. */
  async operator(nodeId: string, action: 'suspend' | 'resume', by: string): Promise<NodeRecord> {
    const node = this.state.nodes.get(nodeId);
    if (!node) throw new WattpackError('NOT_FOUND', `no node ${nodeId}`);
    if (!this.state.site.powerSaving.enabled) throw new WattpackError('FAILED_PRECONDITION', 'power saving is off (site setting powerSaving.enabled): the scheduler powers no server off or on');
    if (!this.port?.covers(nodeId)) throw new WattpackError('FAILED_PRECONDITION', `node ${nodeId} has no BMC in site setting powerSaving.bmcs: it cannot be powered off or on`);
    const power = node.record.power?.state ?? 'on';
    if (action === 'suspend') {
      const jobs = this.state.jobsOn(nodeId);
      if (jobs.length > 0) throw new WattpackError('FAILED_PRECONDITION', `node ${nodeId} runs ${jobs.length} job(s) (${jobs.map((j) => j.id).join(', ')}): drain it first (wattpack drain ${nodeId}), then suspend it`);
      // Already off or on its way: nothing to do, as scontrol's power_down on such a node.
      if (power !== 'suspending' && power !== 'off') await this.begin(nodeId, 'suspending', `powered off by ${by}`, by);
    } else if (power !== 'on' && power !== 'resuming') await this.begin(nodeId, 'resuming', `powered on by ${by}`, by);
    this.requestPass();
    return this.state.nodes.get(nodeId)!.record;
  }

  /**
   * What power a node registering keeps: its agent is up, so the server is on (a resume
   * done, or powered on by hand), unless its BMC has not confirmed a shutdown yet.
   */
  onRegister(previous: NodeRecord | undefined): Pick<NodeRecord, 'power'> {
    const power = previous?.power;
    if (power?.state === 'suspending') return { power };
    if (power && power.state !== 'on') this.state.log.info({ node: previous!.id, was: power.state }, 'node back on');
    return {};
  }

  /** A new leader: BMC commands the last one may not have finished are sent again (both are idempotent). */
  async recover(): Promise<void> {
    for (const { record } of this.state.nodes.values()) {
      const state = record.power?.state;
      if (state === 'suspending' || state === 'resuming') this.tellBmc(record.id, state);
    }
  }

  /** Why the planner powers a node off: its idle timer, or shedding load under the cap. */
  private suspendReason(nodeId: string, after: number | 'never'): string {
    const since = this.idleSince.get(nodeId);
    const idleS = since === undefined ? 0 : (this.state.now() - since) / 1000;
    return after !== 'never' && idleS >= after ? `idle ${Math.round(idleS)} s (suspendAfter ${after} s)` : 'powered off to shed load under the cap';
  }

  private async begin(nodeId: string, state: 'suspending' | 'resuming', reason: string, by: string): Promise<void> {
    this.cancelRetry(nodeId);
    this.unwatch(nodeId);
    await this.store(nodeId, state, reason, by);
    this.state.log.info({ node: nodeId, power: state, reason, by }, state === 'suspending' ? 'powering a server off' : 'powering a server on');
    this.tellBmc(nodeId, state);
  }

  /** The BMC call, outside the serial queue; its outcome is stored through it. */
  private tellBmc(nodeId: string, state: 'suspending' | 'resuming'): void {
    if (!this.port) return;
    const to = state === 'suspending' ? 'off' : 'on';
    this.port.set(nodeId, to).then(
      () => this.settle(nodeId, state, undefined),
      (err: unknown) => this.settle(nodeId, state, err instanceof Error ? err.message : String(err)),
    );
  }

  /** A BMC's answer, applied only if the node is still in the state it was sent for. */
  private settle(nodeId: string, sent: 'suspending' | 'resuming', error: string | undefined): void {
    if (this.stopped) return;
    this.state.serial
      .run(async () => {
        const power = this.state.nodes.get(nodeId)?.record.power;
        if (power?.state !== sent) return;
        if (sent === 'suspending') await this.suspended(nodeId, power, error);
        else await this.resumed(nodeId, power, error);
        this.requestPass();
      })
      .catch((err) => this.state.log.error({ err, node: nodeId }, 'storing a node power change failed'));
  }

  /**
   * Shutdown accepted: still suspending (counted on) until its BMC reads it off. Refused:
   * the server stays on, with why; its idle timer starts again, and the planner leaves it
   * be for OFF_RETRY_MS.
   */
  private async suspended(nodeId: string, power: NodePowerRecord, error: string | undefined): Promise<void> {
    if (error === undefined) {
      this.offFailedAt.delete(nodeId);
      // Why it goes off, without what a leader before this one added while it shut down (a new leader sends it again).
      const why = power.reason.split('; ')[0]!;
      await this.store(nodeId, 'suspending', `${why}; shutting down, waiting for its BMC to read Off`, power.by, power.since);
      return this.watch(nodeId, why, 'graceful', this.state.now());
    }
    this.state.log.warn({ node: nodeId, err: error }, 'powering a server off failed: it stays on');
    this.idleSince.set(nodeId, this.state.now());
    this.offFailedAt.set(nodeId, this.state.now());
    await this.store(nodeId, 'on', `power-off failed: ${error}; not tried again for ${OFF_RETRY_MS / 1000} s`, power.by);
  }

  /** Power-on accepted: waiting for its agent. Refused: tried again, backing off, until resumeTimeout. */
  private async resumed(nodeId: string, power: NodePowerRecord, error: string | undefined): Promise<void> {
    if (error === undefined) {
      this.cancelRetry(nodeId);
      return void (await this.store(nodeId, 'resuming', `${power.reason}; booting, waiting for its agent`, power.by, power.since));
    }
    const delayMs = Math.min(RETRY_MAX_MS, (this.retries.get(nodeId)?.delayMs ?? RETRY_FIRST_MS / 2) * 2);
    this.state.log.warn({ node: nodeId, err: error, retryInMs: delayMs }, 'powering a server on failed: trying again');
    await this.store(nodeId, 'resuming', `power-on failed: ${error}; trying again in ${delayMs / 1000} s`, power.by, power.since);
    const timer = setTimeout(() => this.tellBmc(nodeId, 'resuming'), delayMs);
    timer.unref();
    this.retries.set(nodeId, { timer, delayMs });
  }

  /**
   * Reads the BMC's PowerState every CONFIRM_POLL_MS until Off, as Slurm waits
   * SuspendTimeout: not off within suspendTimeout of GracefulShutdown, ForceOff is sent;
   * not off as long after that, the node is marked down, counted on (its draw is unknown).
   * `reason` is why it is being powered off; `sinceMs` when this step began.
   */
  private watch(nodeId: string, reason: string, step: 'graceful' | 'forced', sinceMs: number): void {
    if (!this.port || this.stopped) return;
    const port = this.port;
    this.unwatch(nodeId);
    const timer = setTimeout(async () => {
      const read = await port.state(nodeId).then(
        (s) => ({ off: s === 'off', seen: `PowerState ${s}` }),
        (err: unknown) => ({ off: false, seen: err instanceof Error ? err.message : String(err) }),
      );
      await this.watched(nodeId, reason, step, sinceMs, read.off, read.seen);
    }, CONFIRM_POLL_MS);
    timer.unref();
    this.watches.set(nodeId, timer);
  }

  /** One PowerState read, applied inside the serial queue; `seen`: what it read, or why it could not. */
  private async watched(nodeId: string, reason: string, step: 'graceful' | 'forced', sinceMs: number, off: boolean, seen: string): Promise<void> {
    if (this.stopped) return;
    let forcedAt: number | undefined;
    try {
      await this.state.serial.run(async () => {
        const power = this.state.nodes.get(nodeId)?.record.power;
        if (power?.state !== 'suspending') return; // resumed meanwhile
        this.watches.delete(nodeId);
        const timeoutS = this.state.site.powerSaving.suspendTimeout;
        if (off) await this.store(nodeId, 'off', reason, power.by);
        else if (this.state.now() - sinceMs < timeoutS * 1000) return this.watch(nodeId, reason, step, sinceMs);
        else if (step === 'graceful') {
          const why = `not off within suspendTimeout (${timeoutS} s) of GracefulShutdown (its BMC reads ${seen}): ForceOff sent`;
          this.state.log.warn({ node: nodeId, reason: why }, 'a server ignored its shutdown: forcing it off');
          await this.store(nodeId, 'suspending', `${reason}; ${why}`, power.by, power.since);
          forcedAt = this.state.now();
        } else {
          const why = `did not power off: its BMC reads ${seen} suspendTimeout (${timeoutS} s) after ForceOff; counted on, takes no work until its agent registers again`;
          this.state.log.error({ node: nodeId, reason: why, by: power.by }, 'a server would not power off: marked down');
          await this.store(nodeId, 'down', why, power.by);
        }
        this.requestPass();
      });
    } catch (err) {
      return this.state.log.error({ err, node: nodeId }, 'storing a node power change failed');
    }
    if (forcedAt === undefined) return;
    // Outside the serial queue, as every BMC call; refused or not, its PowerState decides.
    await this.port!.set(nodeId, 'force-off').catch((err: unknown) => this.state.log.warn({ node: nodeId, err: err instanceof Error ? err.message : String(err) }, 'ForceOff failed'));
    this.watch(nodeId, reason, 'forced', forcedAt);
  }

  private unwatch(nodeId: string): void {
    clearTimeout(this.watches.get(nodeId));
    this.watches.delete(nodeId);
  }

  private cancelRetry(nodeId: string): void {
    clearTimeout(this.retries.get(nodeId)?.timer);
    this.retries.delete(nodeId);
  }

  /** Stores a node's power (a resume keeps its start: the timeout counts from it); off and down nodes are not ready. */
  private async store(nodeId: string, state: NodePowerState, reason: string, by: string, since = this.state.now()): Promise<void> {
    const node = this.state.nodes.get(nodeId);
    if (!node) return;
    const { power: _was, ...rest } = node.record;
    const dark = state === 'off' || state === 'down';
    const record: NodeRecord = {
      ...rest,
      ...(dark ? { status: 'NOT_READY' as const, reason: state === 'off' ? 'powered off' : reason } : {}),
      ...(state === 'on' && !reason ? {} : { power: { state, since, reason, by } }),
    };
    await this.state.ports.putNode(record);
    node.record = record;
    // A server off measures nothing: its last report must not count in the site's measured watts.
    if (dark) node.report = undefined;
    if (state !== 'on') this.idleSince.delete(nodeId);
  }
}
