import { nodeToProto } from '@wattpack/common/daemon';
import type { PlanPreview } from '@wattpack/common/proto/PlanPreview';
import type { Site } from '@wattpack/common/proto/Site';
import type { Applied } from '../core/driver.js';
import type { Plan } from '../core/snapshot.js';
import { heldGpuW } from '../core/watts.js';
import type { Scheduler } from '../loop/scheduler.js';
import type { VenStatus } from '../openadr/ven.js';

/** The nodes (all, or those named) as ListNodes shows them, with what is allocated on each. */
export function nodesView(scheduler: Scheduler, only?: Set<string>) {
  const views = new Map(scheduler.snapshot().nodes.map((n) => [n.id, n]));
  return {
    nodes: scheduler
      .listNodes()
      .filter(({ record }) => !only || only.has(record.id))
      .map(({ record, report }) => {
        const view = views.get(record.id);
        return nodeToProto(record, {
          ...(report ? { report } : {}),
          gpusAllocated: view?.gpus.filter((g) => g.jobId !== undefined).length ?? 0,
          allocatedW: view ? heldGpuW(view) : 0,
          jobsRemaining: scheduler.jobsOn(record.id).length,
        });
      }),
  };
}

/** The site as GetSite (and the dashboard) shows it: settings, watts allocated and measured, counts. */
/** The OpenADR VEN's last poll, when the site has one (server.ts runs it). */
export type OpenAdrSource = () => VenStatus | undefined;

export function siteView(scheduler: Scheduler, openadr: OpenAdrSource = () => undefined): Site {
  const site = scheduler.siteConfig();
  const snapshot = scheduler.snapshot();
  const nodes = scheduler.listNodes();
  const watts = scheduler.siteWatts(snapshot);
  const miners = nodes.flatMap((n) => n.report?.miners ?? []);
  const jobs = scheduler.listJobs();
  const meter = scheduler.meterStatus();
  const ven = openadr();
  return {
    name: site.name,
    capW: site.capMw * 1e6,
    reserveFraction: site.reserveFraction,
    pue: site.pue,
    allocated: { ...watts.allocated },
    measured: { ...watts.measured },
    nodesReady: nodes.filter((n) => n.record.status === 'READY').length,
    gpusTotal: snapshot.nodes.reduce((sum, n) => sum + n.gpus.length, 0),
    gpusAllocated: snapshot.nodes.reduce((sum, n) => sum + n.gpus.filter((g) => g.jobId !== undefined).length, 0),
    jobsPending: jobs.filter((j) => j.state === 'PENDING').length,
    jobsRunning: jobs.filter((j) => j.state === 'RUNNING' || j.state === 'STARTING').length,
    minersMining: miners.filter((m) => m.state === 'MINER_RUN_STATE_MINING').length,
    minersCurtailed: miners.filter((m) => m.state === 'MINER_RUN_STATE_CURTAILED').length,
    effectiveCapW: snapshot.capW,
    gridEvents: site.gridEvents,
    teams: site.teams,
    miningW: watts.miningW,
    aiW: watts.aiW,
    retiredW: watts.retiredW,
    heldGpus: watts.heldGpus,
    eventReports: scheduler.eventReports(),
    ...(site.meter && meter
      ? {
          meter: {
            address: `${site.meter.host}:${site.meter.port}`,
            trusted: meter.trusted,
            reason: meter.reason,
            modeledW: meter.modeledW,
            correctionW: meter.correctionW,
            ...(meter.measuredW !== undefined ? { measuredW: meter.measuredW, measuredAtMs: meter.measuredAt!, errorW: meter.errorW! } : {}),
          },
        }
      : {}),
    ...(ven ? { openadr: ven } : {}),
  };
}

/** The dry run as PlanNext shows it: what would commit, what would be requeued, what waits. */
export function planView({ plan, applied }: { plan: Plan; applied: Applied }): PlanPreview {
  const wait = ({ jobId, code, reason }: Plan['waiting'][number]) => ({ jobId, code, reason });
  return {
    placements: applied.placements.map((p) => ({
      jobId: p.jobId,
      nodeIds: p.nodes.map((n) => n.nodeId),
      gpus: p.nodes.reduce((sum, n) => sum + n.gpuIndices.length, 0),
      powerLimitW: p.powerLimitW,
    })),
    requeued: applied.requeued.map(wait),
    waiting: plan.waiting.map(wait),
    preemptions: plan.preemptions.map(({ jobId, reason }) => ({ jobId, reason })),
    powerChanges: applied.powerChanges.map(({ jobId, powerLimitW, why }) => ({ jobId, powerLimitW, why })),
    curtailMiners: plan.curtail,
    resumeMiners: plan.resume,
    suspendNodes: plan.nodePower.suspend,
    resumeNodes: plan.nodePower.resume,
    downNodes: plan.nodePower.down,
    allocatedW: plan.allocatedW,
    budgetW: plan.budgetW,
  };
}
