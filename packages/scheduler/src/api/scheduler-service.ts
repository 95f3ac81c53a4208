import * as grpc from '@grpc/grpc-js';
import { WattpackError, grpcStatusOf, isTerminal, jobToProto, nodeToProto, type Job, type LogRecord, type Logger } from '@wattpack/shared';
import type { SchedulerServiceHandlers } from '@wattpack/shared/proto/SchedulerService';
import type { Site } from '@wattpack/shared/proto/Site';
import { heldGpusW, siteSplit, type ItSplit } from '../core/watts.js';
import type { Scheduler } from '../loop/scheduler.js';
import { callerOf, requireOperator } from './authorize.js';

export interface LogSource {
  read(jobId: string, opts: { follow: boolean; jobEnded: () => boolean; cancelled: () => boolean }, write: (r: LogRecord) => void): Promise<void>;
}

/** The CLI's API. Errors become gRPC statuses here, and only here. */
export function schedulerService(scheduler: Scheduler, logs: LogSource, log: Logger): SchedulerServiceHandlers {
  const unary =
    <Req, Res>(fn: (req: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res> =>
    (call, callback) => {
      Promise.resolve()
        .then(() => fn(call.request, call))
        .then((res) => callback(null, res))
        .catch((err: unknown) => callback(toStatus(err, log)));
    };

  const nodesView = (only?: Set<string>) => {
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
  };

  const siteView = (): Site => {
    const site = scheduler.siteConfig();
    const snapshot = scheduler.snapshot();
    const allocated = siteSplit(snapshot);
    const nodes = scheduler.listNodes();
    const measured: ItSplit = { gpusW: 0, hostsW: 0, minersW: 0 };
    // Draw of the GPUs jobs hold, beside what they reserve and enforce.
    const held = new Set(snapshot.nodes.flatMap((n) => n.gpus.filter((g) => g.jobId !== undefined).map((g) => `${n.id}/${g.index}`)));
    let heldDrawnW = 0;
    for (const { record, report } of nodes) {
      for (const g of report?.gpus ?? []) {
        measured.gpusW += g.powerDrawW ?? 0;
        if (held.has(`${record.id}/${g.index}`)) heldDrawnW += g.powerDrawW ?? 0;
      }
      for (const m of report?.miners ?? []) measured.minersW += m.powerW ?? 0;
    }
    // Agents measure no host power yet: count the hosts as allocated.
    measured.hostsW = allocated.hostsW;
    const miners = nodes.flatMap((n) => n.report?.miners ?? []);
    // The conversion: miners of drained hosts are retired; the rest mine unless curtailed.
    let miningW = 0;
    let retiredW = 0;
    const drained = new Set(nodes.filter((n) => n.record.drain).map((n) => n.record.id));
    for (const n of snapshot.nodes) {
      const retired = drained.has(n.id);
      for (const m of n.miners) {
        if (retired) retiredW += m.nameplateW;
        else if (!m.curtailed) miningW += m.nameplateW;
      }
    }
    const jobs = scheduler.listJobs();
    return {
      name: site.name,
      capW: site.capMw * 1e6,
      reserveFraction: site.reserveFraction,
      pue: site.pue,
      allocated: { ...allocated },
      measured: { ...measured, facilityW: site.pue * (measured.gpusW + measured.hostsW + measured.minersW) },
      nodesReady: nodes.filter((n) => n.record.status === 'READY').length,
      gpusTotal: snapshot.nodes.reduce((sum, n) => sum + n.gpus.length, 0),
      gpusAllocated: snapshot.nodes.reduce((sum, n) => sum + n.gpus.filter((g) => g.jobId !== undefined).length, 0),
      jobsPending: jobs.filter((j) => j.state === 'PENDING').length,
      jobsRunning: jobs.filter((j) => j.state === 'RUNNING' || j.state === 'STARTING').length,
      minersMining: miners.filter((m) => m.state === 'MINER_RUN_STATE_MINING').length,
      minersCurtailed: miners.filter((m) => m.state === 'MINER_RUN_STATE_CURTAILED').length,
      effectiveCapW: snapshot.capW,
      gridEvents: site.gridEvents,
      miningW,
      aiW: allocated.gpusW + allocated.hostsW,
      retiredW,
      heldGpus: { ...heldGpusW(snapshot), drawnW: site.pue * heldDrawnW },
    };
  };

  return {
    SubmitJob: unary(async (req, call) => jobToProto(await scheduler.submit(req.specJson, callerOf(call).name))),
    GetJob: unary((req) => jobToProto(scheduler.getJob(req.id), scheduler.powerOf(req.id))),
    ListJobs: unary((req) => {
      const page = scheduler.pageJobs({ states: req.states, team: req.team, since: req.sinceMs, limit: req.limit, pageToken: req.pageToken });
      return { jobs: page.jobs.map((j) => jobToProto(j)), nextPageToken: page.nextPageToken };
    }),
    CancelJob: unary(async (req) => jobToProto(await scheduler.cancel(req.id, req.reason))),
    ListNodes: unary(() => nodesView()),
    GetSite: unary(() => siteView()),
    UpdateSite: unary(async (req, call): Promise<Site> => {
      requireOperator(call);
      await scheduler.updateSite({
        ...(req.capMw !== undefined ? { capMw: req.capMw } : {}),
        addGridEvents: req.addGridEvents.map((e) => ({ startMs: e.startMs, durationS: e.durationS, capMw: e.capMw, noticeS: e.noticeS })),
        clearGridEvents: req.clearGridEvents,
      });
      return siteView();
    }),
    DrainNodes: unary(async (req, call) => {
      const by = requireOperator(call);
      const done = await scheduler.drain(
        { nodeIds: req.nodes?.nodeIds ?? [], labels: req.nodes?.labels ?? {} },
        { reason: req.reason, by, ...(req.deadlineS ? { deadlineS: req.deadlineS } : {}), migrate: !req.noMigrate, force: req.force, cancel: req.cancel },
      );
      return nodesView(new Set(done.map((n) => n.id)));
    }),
    UncordonNodes: unary(async (req, call) => {
      requireOperator(call);
      const done = await scheduler.uncordon({ nodeIds: req.nodes?.nodeIds ?? [], labels: req.nodes?.labels ?? {} });
      return nodesView(new Set(done.map((n) => n.id)));
    }),

    WatchJob(call) {
      let job: Job;
      try {
        job = scheduler.getJob(call.request.id);
      } catch (err) {
        call.destroy(toStatus(err, log) as Error);
        return;
      }
      const send = (j: Job) => {
        call.write(jobToProto(j, scheduler.powerOf(j.id)));
        if (isTerminal(j.state)) finish();
      };
      const onChange = (j: Job) => j.id === job.id && send(j);
      const finish = () => {
        scheduler.changes.off('job', onChange);
        call.end();
      };
      scheduler.changes.on('job', onChange);
      call.on('cancelled', () => scheduler.changes.off('job', onChange));
      send(job);
    },

    JobLogs(call) {
      const { id, follow } = call.request;
      let cancelled = false;
      call.on('cancelled', () => (cancelled = true));
      Promise.resolve()
        .then(() => scheduler.getJob(id))
        .then(() =>
          logs.read(
            id,
            { follow, jobEnded: () => isTerminal(scheduler.getJob(id).state), cancelled: () => cancelled },
            (r) => call.write({ jobId: r.jobId, attemptId: r.attemptId, nodeId: r.nodeId, stream: r.stream, line: r.line, atMs: r.at }),
          ),
        )
        .then(() => call.end())
        .catch((err: unknown) => call.destroy(toStatus(err, log) as Error));
    },
  };
}

function toStatus(err: unknown, log: Logger): Partial<grpc.StatusObject> {
  const e = WattpackError.from(err);
  if (e.code === 'INTERNAL') log.error({ err }, 'request failed');
  return { code: grpcStatusOf(e.code), details: e.message };
}
