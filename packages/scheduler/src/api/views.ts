import { nodeToProto } from '@wattpack/common';
import type { Site } from '@wattpack/common/proto/Site';
import { siteWatts } from '../core/watts.js';
import type { Scheduler } from '../loop/scheduler.js';

/** The nodes (all, or those named) as ListNodes shows them, with what is allocated on each. */
export function nodesView(scheduler: Scheduler, only?: Set<string>) {
  const views = new Map(scheduler.snapshot().nodes.map((n) => [n.id, n]));
  return {
    nodes: scheduler
      .listNodes()
      .filter(({ record }) => !only || only.has(record.id))
      .map(({ record, report }) => {
        const view = views.get(record.id);
        const held = view?.gpus.filter((g) => g.jobId !== undefined) ?? [];
        return nodeToProto(record, {
          ...(report ? { report } : {}),
          gpusAllocated: held.length,
          allocatedW: held.reduce((sum, g) => sum + (g.limitW ?? 0), 0),
          jobsRemaining: scheduler.jobsOn(record.id).length,
        });
      }),
  };
}

/** The site as GetSite shows it: settings, watts allocated and measured, counts. */
export function siteView(scheduler: Scheduler): Site {
  const site = scheduler.siteConfig();
  const snapshot = scheduler.snapshot();
  const nodes = scheduler.listNodes();
  const watts = siteWatts(
    snapshot,
    nodes.map(({ record, report }) => ({ nodeId: record.id, gpus: report?.gpus ?? [], miners: report?.miners ?? [] })),
    new Set(nodes.filter((n) => n.record.drain).map((n) => n.record.id)),
  );
  const miners = nodes.flatMap((n) => n.report?.miners ?? []);
  const jobs = scheduler.listJobs();
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
  };
}
