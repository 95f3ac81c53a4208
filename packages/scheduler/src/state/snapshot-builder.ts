import { declaredHostPower, gpuModelOf, isTerminal, teamFlex, type Job, type NodeInventory, type NodeRecord, type NodeReport, type SiteConfig } from '@wattpack/common/daemon';
import { capAheadAt, capAtW, type CapEvent } from '../core/cap-schedule.js';
import type { JobPower, NodeView, QueuedJob, RunningJob, SiteSnapshot } from '../core/snapshot.js';
import { holdsResources } from './job-transitions.js';
import type { MeasuredNode } from '../core/watts.js';
import { plausibleInputW } from './host-power.js';

export interface LiveNode {
  record: NodeRecord;
  report?: NodeReport;
  /** When the current agent connection registered (in memory only). */
  connectedAt?: number;
  /** The agent still runs attempts the scheduler has moved on from: no new work until they stop. */
  stale?: boolean;
}

type GpuView = NodeView['gpus'][number];
/** What a node's inventory says of its GPUs, once per inventory (a node's changes only when it registers), not per node and pass. */
const gpuViews = new WeakMap<NodeInventory, readonly GpuView[]>();
function gpusOf(inventory: NodeInventory): readonly GpuView[] {
  let views = gpuViews.get(inventory);
  if (!views) {
    views = inventory.gpus.map((g) => {
      const model = gpuModelOf(g.model);
      return {
        index: g.index,
        model: model?.name ?? g.model,
        minW: g.minPowerLimitW,
        maxW: g.maxPowerLimitW,
        // nvidia-smi reports no idle draw: take the catalog's, or a conservative 20 % of max.
        idleW: model?.idleW ?? 0.2 * g.maxPowerLimitW,
      };
    });
    gpuViews.set(inventory, views);
  }
  return views;
}

/** The catalog name of a reported GPU model ("NVIDIA H100 80GB HBM3" -> "H100"). */
export const canonicalModel = (reported: string): string => gpuModelOf(reported)?.name ?? reported;

/** What the snapshot needs besides the live state. */
export interface SnapshotContext {
  now: number;
  defaultRuntimeS: number;
  /** How early to plan against an announced lower cap, so that jobs can checkpoint within their grace. */
  leadS?: number;
  /** A running job's measured power (absent while warming up). */
  powerOf?: (jobId: string) => JobPower | undefined;
  /** A node's host power learned from its BMC (state/host-power.ts); each figure absent until learned. */
  hostPowerOf?: (nodeId: string) => { idleW?: number; busyW?: number };
  /** The meter's factor on modeled facility watts (loop/meter.ts). */
  meterFactor?: number;
  /** Power saving's idle timer: since when the node has had no GPU held (loop/node-power.ts); absent: no power saving. */
  idleSinceOf?: (nodeId: string, busy: boolean) => number | undefined;
}

/**
 * Live state -> the core's read-only snapshot. Every watt the hardware may draw is in it:
 * a job's GPUs count at the highest limit any of them is commanded or reports enforced
 * (a lower limit frees watts only once the hardware confirms it). A node silent for three
 * report intervals has lost telemetry: its jobs' limits are frozen.
 */
export function buildSnapshot(site: SiteConfig, liveNodes: Iterable<LiveNode>, jobs: Iterable<Job>, ctx: SnapshotContext): SiteSnapshot {
  const nodes = new Map<string, LiveNode>();
  for (const n of liveNodes) nodes.set(n.record.id, n);
  const { running, holders } = runningJobs(site, nodes, jobs, ctx);
  const events = gridCapEvents(site);
  const ahead = capAheadAt(site.capMw * 1e6, events, ctx.now, (ctx.leadS ?? 0) * 1000);
  return {
    now: ctx.now,
    capW: capAtW(site.capMw * 1e6, events, ctx.now, (ctx.leadS ?? 0) * 1000),
    ...(ahead ? { capAhead: ahead } : {}),
    reserveFraction: site.reserveFraction,
    pue: site.pue,
    nodes: [...nodes.values()].map((live) => nodeView(live, site, holders, ctx)),
    running,
    ...(ctx.meterFactor !== undefined && ctx.meterFactor !== 1 ? { meterFactor: ctx.meterFactor } : {}),
  };
}

/** Who holds each GPU and at what limit, by node and GPU index (no key built per GPU and pass). */
type Holders = Map<string, Map<number, { jobId: string; limitW: number }>>;

/** The jobs that hold resources as the core's running jobs, and the GPUs they hold. */
function runningJobs(site: SiteConfig, nodes: ReadonlyMap<string, LiveNode>, jobs: Iterable<Job>, ctx: SnapshotContext): { running: RunningJob[]; holders: Holders } {
  const { now, defaultRuntimeS, powerOf } = ctx;
  const silentMs = 3 * site.reportIntervalMs;
  const holders: Holders = new Map();
  const running: RunningJob[] = [];
  for (const job of jobs) {
    if (!holdsResources(job)) continue;
    const startedAt = job.startedAt ?? now;
    let limitW = job.powerLimitW;
    let telemetryLost = false;
    for (const a of job.assignments) {
      if (a.ended) continue;
      const node = nodes.get(a.nodeId);
      if (!node?.report || now - node.record.lastSeenAt > silentMs) telemetryLost = true;
      // The attempt's own report: before it starts, its GPUs still show the last job's limit
      // (the agent applies the commanded one before it starts the job).
      const enforced = node?.report?.attempts.find((x) => x.attemptId === job.attemptId)?.enforcedLimitW;
      if (enforced !== undefined) limitW = Math.max(limitW, enforced);
    }
    const power = powerOf?.(job.id);
    running.push({
      id: job.id,
      team: job.spec.team,
      priority: job.spec.priority,
      startedAt,
      expectedEndAt: startedAt + (job.spec.maxRuntime ?? defaultRuntimeS) * 1000,
      gpus: job.spec.gpus,
      nodes: job.spec.nodes,
      powerLimitW: job.powerLimitW,
      ...(job.spec.power.minWatts !== undefined ? { minW: job.spec.power.minWatts } : {}),
      ...(job.spec.power.maxWatts !== undefined ? { maxW: job.spec.power.maxWatts } : {}),
      preemptible: job.spec.preemptible,
      ...flexOf(site, job),
      ...(job.cancelRequested || job.preempting || isTerminal(job.state) ? { stopping: true } : {}),
      ...(power ? { power } : {}),
      ...(telemetryLost ? { telemetryLost } : {}),
    });
    for (const a of job.assignments) {
      if (a.ended) continue;
      const held = holders.get(a.nodeId) ?? holders.set(a.nodeId, new Map()).get(a.nodeId)!;
      for (const idx of a.gpuIndices) held.set(idx, { jobId: job.id, limitW });
    }
  }
  return { running, holders };
}

/** A node as the core sees it: schedulable or not, its host power, its GPUs (held or not) and miners, its power. */
function nodeView({ record, report, stale }: LiveNode, site: SiteConfig, holders: Holders, ctx: SnapshotContext): NodeView {
  const { inventory } = record;
  const unhealthy = report?.gpus.some((g) => g.health === 'HEALTH_FAILED') ?? false;
  const learned = ctx.hostPowerOf?.(record.id);
  const held = holders.get(record.id);
  // Idle nodes (most of a site, every pass) share their inventory's views.
  const gpus = held
    ? gpusOf(inventory).map((g) => {
        const h = held.get(g.index);
        return h ? { ...g, jobId: h.jobId, limitW: h.limitW } : g;
      })
    : // Shared between passes: the core reads a snapshot, never writes it.
      (gpusOf(inventory) as GpuView[]);
  const power = poweredView(record, site);
  const idleSinceMs = ctx.idleSinceOf?.(record.id, held !== undefined && gpus.some((g) => g.jobId !== undefined));
  return {
    id: record.id,
    labels: record.labels,
    // A server powered off (or booting) has no agent to hear from: it may take work once on, unless drained.
    schedulable: power ? !record.drain : record.status === 'READY' && !record.drain && !unhealthy && !stale,
    // Host power: learned from the BMC, else what the agent declared, else the site's figure.
    ...hostWatts(inventory, site, learned),
    gpus,
    miners: minersOf(inventory, report) as MinerView[],
    ...power,
    ...(idleSinceMs !== undefined ? { idleSinceMs } : {}),
  };
}

/**
 * A server's stored power as the core's (core/power-saving.ts): suspending, off or
 * resuming; on and down are left out (a down server counts as on and idle, not
 * schedulable: nobody knows what it draws).
 */
function poweredView({ power }: NodeRecord, site: Pick<SiteConfig, 'powerSaving'>): Pick<NodeView, 'power' | 'standbyW' | 'resumedAtMs'> | undefined {
  if (!power || power.state === 'on' || power.state === 'down') return undefined;
  return { power: power.state, standbyW: site.powerSaving.standbyW, ...(power.state === 'resuming' ? { resumedAtMs: power.since } : {}) };
}

type MinerView = NodeView['miners'][number];
/** A node's miners as the core sees them, none curtailed: once per inventory, as its GPUs. */
const minerViews = new WeakMap<NodeInventory, readonly MinerView[]>();
function minersOf(inventory: NodeInventory, report: NodeReport | undefined): readonly MinerView[] {
  const curtailed = report?.miners.some((m) => m.state === 'MINER_RUN_STATE_CURTAILED') ? new Set(report.miners.filter((m) => m.state === 'MINER_RUN_STATE_CURTAILED').map((m) => m.id)) : undefined;
  let views = minerViews.get(inventory);
  if (!views) {
    views = inventory.miners.map((m) => ({ id: m.id, nameplateW: m.nameplatePowerW, hashrateThs: m.nameplateHashrateThs, curtailed: false }));
    minerViews.set(inventory, views);
  }
  return curtailed ? views.map((m) => (curtailed.has(m.id) ? { ...m, curtailed: true } : m)) : views;
}

export function toQueued(job: Job, site: Pick<SiteConfig, 'flexDefaults'>): QueuedJob {
  const { spec } = job;
  return {
    id: job.id,
    team: spec.team,
    priority: spec.priority,
    submittedAt: job.submittedAt,
    gpus: spec.gpus,
    nodes: spec.nodes,
    gpuModels: spec.gpuModels,
    ...(spec.power.minWatts !== undefined ? { minW: spec.power.minWatts } : {}),
    ...(spec.power.maxWatts !== undefined ? { maxW: spec.power.maxWatts } : {}),
    ...(spec.maxRuntime !== undefined ? { maxRuntimeS: spec.maxRuntime } : {}),
    ...flexOf(site, job),
  };
}

/**
 * The site's grid events as the core's cap events, in ms. An event counts from its
 * planning lead before it starts, but never before its notice: as in the simulator, the
 * scheduler does not act on what the grid has not announced yet.
 */
export function gridCapEvents(site: Pick<SiteConfig, 'gridEvents'>): CapEvent[] {
  return site.gridEvents.map((e) => ({ start: e.startMs, end: e.startMs + e.durationS * 1000, capW: e.capMw * 1e6, notice: e.noticeS * 1000 }));
}

/** A GPU server's host power, idle and busy: as its agent measured it, else the site's setting. */
export function hostWatts(inventory: NodeInventory, site: Pick<SiteConfig, 'hostPower'>, learned?: { idleW?: number; busyW?: number }): { hostIdleW: number; hostBusyW: number } {
  if (inventory.gpus.length === 0) return { hostIdleW: 0, hostBusyW: 0 };
  const declared = declaredHostPower(site, { idleW: inventory.host.idlePowerW, busyW: inventory.host.busyPowerW });
  return { hostIdleW: learnedOr(learned?.idleW, declared.idleW), hostBusyW: learnedOr(learned?.busyW, declared.busyW) };
}

/**
 * A BMC's figure where it really differs from the declared one: within the readings' noise
 * (BMC and GPUs are read at different moments) the declared figure stays, so the model
 * does not move by a watt this pass and back the next, and what was placed against it
 * stays under the cap.
 */
const LEARNED_BAND = { w: 25, fraction: 0.02 };
function learnedOr(learnedW: number | undefined, declaredW: number): number {
  if (learnedW === undefined) return declaredW;
  return Math.abs(learnedW - declaredW) <= Math.max(LEARNED_BAND.w, LEARNED_BAND.fraction * declaredW) ? declaredW : learnedW;
}

/** What agents measured, node by node (their last reports): what `siteWatts` counts as measured. */
export function measuredNodes(nodes: Iterable<LiveNode>): MeasuredNode[] {
  return [...nodes].map(({ record, report }) => {
    const inputPowerW = plausibleInputW(report?.host?.inputPowerW);
    return { nodeId: record.id, gpus: report?.gpus ?? [], miners: report?.miners ?? [], ...(inputPowerW !== undefined ? { inputPowerW } : {}) };
  });
}

/** A job's flexibility class: its own, else its team's, else the site's for every team. */
function flexOf(site: Pick<SiteConfig, 'flexDefaults'>, job: Job): { flex?: number } {
  const flex = job.spec.flex ?? teamFlex(site, job.spec.team);
  return flex !== undefined ? { flex } : {};
}
