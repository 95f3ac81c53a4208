import { WattpackError, describeIssues, isTerminal, siteConfigSchema, type Job, type NodeDrain, type NodeRecord, type SiteConfig } from '@wattpack/common/daemon';
import type { LiveNode } from '../state/snapshot-builder.js';
import type { Commands } from './commands.js';
import type { Cycle } from './cycle.js';
import { measuredBaselineW } from './meter.js';
import type { LoopState } from './state.js';

export interface NodeSelector {
  nodeIds?: string[];
  labels?: Record<string, string>;
}

export interface DrainOptions {
  reason: string;
  /** Who asked: shown with the drain. */
  by: string;
  deadlineS?: number;
  migrate: boolean;
  force: boolean;
  cancel?: boolean;
  automatic?: boolean;
}

export interface CordonOptions {
  /** Optional: cordoning is routine (kubectl cordon asks for none). */
  reason: string;
  /** Who asked: shown with the node. */
  by: string;
}

export interface SiteChange {
  capMw?: number;
  addGridEvents?: SiteConfig['gridEvents'];
  clearGridEvents?: boolean;
  /** Events to drop by their source (the OpenADR VEN replaces its own, never an operator's). */
  removeGridEventSources?: string[];
  setTeams?: SiteConfig['teams'];
  removeTeams?: string[];
}

/** A node's reason is shown in every listing of it, and stored with it. */
const REASON_MAX = 500;

function checkReason(reason: string): void {
  if (reason.length > REASON_MAX) throw new WattpackError('INVALID_ARGUMENT', `reason: at most ${REASON_MAX} characters (it is shown with the node), not ${reason.length}`);
}

/** What operators and admins change: cordons, drains and uncordon, the cap and grid events, teams' shares. */
export class Operators {
  constructor(
    private readonly state: LoopState,
    private readonly commands: Commands,
    private readonly cycle: Cycle,
  ) {}

  /** Operators: a new cap now, grid events ahead; admins: teams' shares. The next pass sheds or restores. */
  updateSite(change: SiteChange): Promise<SiteConfig> {
    return this.state.serial.run(async () => {
      const current = this.state.site;
      const teams = { ...current.teams, ...(change.setTeams ?? {}) };
      for (const t of change.removeTeams ?? []) delete teams[t];
      const parsed = siteConfigSchema.safeParse({
        ...current,
        ...(change.capMw !== undefined ? { capMw: change.capMw } : {}),
        gridEvents: [
          ...(change.clearGridEvents ? [] : current.gridEvents.filter((e) => !e.source || !change.removeGridEventSources?.includes(e.source))),
          ...this.newEvents(change.addGridEvents ?? []),
        ],
        teams,
      });
      if (!parsed.success) throw new WattpackError('INVALID_ARGUMENT', `invalid site change: ${describeIssues(parsed.error)}`);
      // Events that have ended are history.
      const now = this.state.now();
      const site = { ...parsed.data, gridEvents: parsed.data.gridEvents.filter((e) => e.startMs + e.durationS * 1000 > now) };
      await this.state.ports.putSite(site);
      this.state.site = site;
      this.state.log.info({ capMw: site.capMw, gridEvents: site.gridEvents.length }, 'site updated');
      this.cycle.request();
      return site;
    });
  }

  /**
   * Events to add, checked: one that has already ended is refused by name, and a relative
   * one (reduceFraction) gets its cap from the measured baseline now.
   */
  private newEvents(events: NonNullable<SiteChange['addGridEvents']>): SiteConfig['gridEvents'] {
    const now = this.state.now();
    return events.map((e, i) => {
      const endMs = e.startMs + e.durationS * 1000;
      if (endMs <= now) throw new WattpackError('INVALID_ARGUMENT', `grid event ${i + 1}: it ended at ${new Date(endMs).toISOString()}, before now: give a window that is not over`);
      if (e.reduceFraction === undefined) return e;
      if (!(e.reduceFraction > 0 && e.reduceFraction < 1)) throw new WattpackError('INVALID_ARGUMENT', `grid event ${i + 1}: reduce must be a share above 0 and below 100 %, got ${e.reduceFraction}`);
      const baselineW = measuredBaselineW(this.state);
      return { ...e, baselineW, capMw: (baselineW * (1 - e.reduceFraction)) / 1e6 };
    });
  }

  /**
   * Cordons nodes at once and moves their work off: running jobs get their checkpoint
   * signal and grace (none with `force`) and go back to the queue to resume elsewhere;
   * miners are curtailed and retired. Without `migrate`, jobs may finish until the
   * deadline. At the deadline whatever still runs is stopped: a drain never hangs.
   */
  drain(selector: NodeSelector, opts: DrainOptions): Promise<NodeRecord[]> {
    return this.state.serial.run(async () => {
      const targets = this.select(selector);
      if (!opts.cancel && !opts.reason.trim()) throw new WattpackError('INVALID_ARGUMENT', 'reason: a drain needs a reason (it is shown to everyone)');
      checkReason(opts.reason);
      const now = this.state.now();
      for (const node of targets) {
        if (opts.cancel) {
          if (node.record.drain) await this.putNode(node, { ...node.record.drain, state: 'CORDONED' });
          continue;
        }
        await this.drainOne(node, opts, now);
      }
      return targets.map((n) => n.record);
    });
  }

  private async drainOne(node: LiveNode, opts: DrainOptions, now: number): Promise<void> {
    await this.putNode(node, {
      state: 'DRAINING',
      reason: opts.reason,
      by: opts.by,
      at: now,
      ...(opts.deadlineS ? { deadlineAt: now + opts.deadlineS * 1000 } : {}),
      migrate: opts.migrate,
      force: opts.force,
      automatic: opts.automatic ?? false,
    });
    this.state.log.warn({ node: node.record.id, reason: opts.reason, by: opts.by }, 'draining');
    await this.commands.commandMiners(node.record.inventory.miners.map((m) => m.id), 'curtail');
    if (opts.migrate || opts.force) {
      for (const job of this.state.jobsOn(node.record.id)) await this.evict(job, `node ${node.record.id} draining: ${opts.reason}`, opts.force);
    }
  }

  /**
   * No new placements on the nodes; what runs there keeps running (kubectl cordon). A node
   * already cordoned, draining or drained stays as it is: a cordon never cancels a drain.
   */
  cordon(selector: NodeSelector, opts: CordonOptions): Promise<NodeRecord[]> {
    return this.state.serial.run(async () => {
      checkReason(opts.reason);
      const targets = this.select(selector);
      const now = this.state.now();
      for (const node of targets) {
        if (node.record.drain) continue;
        await this.putNode(node, { state: 'CORDONED', reason: opts.reason.trim() || 'cordoned', by: opts.by, at: now, migrate: false, force: false, automatic: false });
        this.state.log.warn({ node: node.record.id, reason: opts.reason, by: opts.by }, 'cordoned');
      }
      return targets.map((n) => n.record);
    });
  }

  uncordon(selector: NodeSelector): Promise<NodeRecord[]> {
    return this.state.serial.run(async () => {
      const targets = this.select(selector);
      for (const node of targets) if (node.record.drain) await this.putNode(node, undefined);
      this.cycle.request();
      return targets.map((n) => n.record);
    });
  }

  /** Drain progress and deadlines; called on a timer. */
  checkDrains(): Promise<void> {
    return this.state.serial.run(async () => {
      const now = this.state.now();
      const killed = new Set<string>(); // a gang spans nodes: stop it once
      for (const node of this.state.nodes.values()) {
        const drain = node.record.drain;
        if (drain?.state !== 'DRAINING') continue;
        const jobs = this.state.jobsOn(node.record.id);
        if (drain.deadlineAt !== undefined && now >= drain.deadlineAt) {
          for (const job of jobs.filter((j) => !killed.has(j.id))) {
            killed.add(job.id);
            await this.evict(job, `node ${node.record.id} drain deadline passed: ${drain.reason}`, true);
          }
        }
        const mining = node.report?.miners.some((m) => m.state === 'MINER_RUN_STATE_MINING') ?? node.record.inventory.miners.length > 0;
        if (jobs.length === 0 && !mining) {
          await this.putNode(node, { ...drain, state: 'DRAINED' });
          this.state.log.warn({ node: node.record.id }, 'drained');
        }
      }
    });
  }

  /** Stops a job's attempt and requeues it to resume elsewhere; `force` skips the checkpoint grace. */
  private async evict(job: Job, reason: string, force: boolean): Promise<void> {
    const current = this.state.jobs.get(job.id)!;
    if (current.cancelRequested || isTerminal(current.state) || (current.preempting && !force)) return;
    const next: Job = { ...current, preempting: current.preempting ?? reason };
    await this.state.store(next);
    await this.commands.dispatchStops(next, reason, undefined, force);
  }

  private select(selector: NodeSelector): LiveNode[] {
    const { nodes } = this.state;
    const ids = selector.nodeIds ?? [];
    const labels = Object.entries(selector.labels ?? {});
    if (ids.length === 0 && labels.length === 0) throw new WattpackError('INVALID_ARGUMENT', 'nodes: name nodes or give a label selector (e.g. rack=r12)');
    const unknown = ids.filter((id) => !nodes.has(id));
    if (unknown.length) throw new WattpackError('NOT_FOUND', `no node with id ${unknown.join(', ')}`);
    const picked = [...nodes.values()].filter(
      (n) => ids.includes(n.record.id) || (labels.length > 0 && labels.every(([k, v]) => n.record.labels[k] === v)),
    );
    if (picked.length === 0) throw new WattpackError('NOT_FOUND', `no node matches ${labels.map(([k, v]) => `${k}=${v}`).join(',')}`);
    return picked;
  }

  private async putNode(node: LiveNode, drain: NodeDrain | undefined): Promise<void> {
    const { drain: _old, ...rest } = node.record;
    node.record = drain ? { ...rest, drain } : rest;
    await this.state.ports.putNode(node.record);
  }
}
