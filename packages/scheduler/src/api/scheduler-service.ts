import * as grpc from '@grpc/grpc-js';
import type { VenStatus } from '../openadr/ven.js';
import {
  NAME_PATTERN,
  WattpackError,
  grpcStatusOf,
  isTerminal,
  jobToProto,
  nodeToProto,
  peerIdentity,
  type Identity,
  type Job,
  type LogRecord,
  type Logger,
  type NodeRecord,
  type SiteConfig,
} from '@wattpack/common';
import type { SchedulerServiceHandlers } from '@wattpack/common/proto/SchedulerService';
import type { Site } from '@wattpack/common/proto/Site';
import type { UpdateSiteRequest__Output } from '@wattpack/common/proto/UpdateSiteRequest';
import { siteWatts } from '../core/watts.js';
import { measuredNodes } from '../state/snapshot-builder.js';
import type { Scheduler } from '../loop/scheduler.js';
import type { AuditLog } from './audit.js';
import { ANONYMOUS_ADMIN, RPCS, actionsOf, authorize, callerOf, jobFor, requireTeam, siteActions, teamFor, type Action, type Caller, type Rpc } from './authorize.js';
import { revokes, type Revocations } from './revocations.js';

export interface LogSource {
  read(jobId: string, opts: { follow: boolean; jobEnded: () => boolean; cancelled: () => boolean }, write: (r: LogRecord) => void): Promise<void>;
}

/** What the API checks callers against, and where it records what they did. */
export interface ApiTrust {
  revocations: Revocations;
  audit: AuditLog;
}

/** What a handler tells the audit about its call: the target, and what changed. */
interface Note {
  target?: string;
  before?: Record<string, string>;
  after?: Record<string, string>;
}

/**
 * The CLI's API. Every call is authenticated (its certificate, not revoked) and
 * authorized (authorize.ts's table) before its handler runs; mutating calls and refusals
 * are audited. Errors become gRPC statuses here, and only here.
 */
/** The OpenADR VEN's last poll, when the site has one (server.ts runs it). */
export type OpenAdrSource = () => VenStatus | undefined;

export function schedulerService(scheduler: Scheduler, logs: LogSource, log: Logger, trust: ApiTrust, openadr: OpenAdrSource = () => undefined): SchedulerServiceHandlers {

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
    const nodes = scheduler.listNodes();
    const watts = siteWatts(
      snapshot,
      measuredNodes(nodes),
      new Set(nodes.filter((n) => n.record.drain).map((n) => n.record.id)),
    );
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
  };

  /** The caller named as well as the call allows, for the audit of a refused call. */
  const whoCalled = (call: Caller): Pick<Identity, 'name' | 'serial'> & { role: string } => {
    try {
      return peerIdentity(call) ?? ANONYMOUS_ADMIN;
    } catch {
      // A certificate of the site CA that names no wattpack identity.
      return { name: '-', role: '', serial: '' };
    }
  };

  /** Who calls, and may they: a revoked credential, then the RPC's role, are refused here. */
  const admit = (rpc: Rpc, call: Caller, request: unknown): Identity => {
    const caller = callerOf(call, trust.revocations);
    authorize(caller, ...actionsOf(rpc, request));
    return caller;
  };

  /** Mutating calls and refusals go to the audit (and, through it, to the log) with the verified name. */
  const finish = async (rpc: Rpc, call: Caller, request: unknown, caller: Identity | undefined, note: Note, err?: unknown): Promise<void> => {
    try {
      const e = err === undefined ? undefined : WattpackError.from(err);
      const refused = e?.code === 'PERMISSION_DENIED' || e?.code === 'UNAUTHENTICATED';
      if (!RPCS[rpc].mutates && !refused) return;
      const who = caller ?? whoCalled(call);
      await trust.audit.record({
        name: who.name,
        role: who.role,
        serial: who.serial,
        action: rpc,
        target: (note.target ?? targetOf(rpc, request)).slice(0, 300),
        result: e ? e.code : 'OK',
        message: e?.message ?? '',
        before: note.before ?? {},
        after: e ? {} : (note.after ?? {}),
      });
    } catch (auditErr) {
      log.error({ err: String(auditErr), rpc }, 'auditing a call failed');
    }
  };

  const unary =
    <Req, Res>(rpc: Rpc, fn: (req: Req, caller: Identity, note: Note) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res> =>
    (call, callback) => {
      const note: Note = {};
      let caller: Identity | undefined;
      Promise.resolve()
        .then(() => {
          caller = admit(rpc, call, call.request);
          return fn(call.request, caller, note);
        })
        .then(
          async (res) => {
            await finish(rpc, call, call.request, caller, note);
            callback(null, res);
          },
          async (err: unknown) => {
            await finish(rpc, call, call.request, caller, note, err);
            callback(toStatus(err, log));
          },
        );
    };

  /** A stream closes once its caller's credential is revoked. */
  const closeOnRevoke = (caller: Identity, close: () => void) =>
    trust.revocations.onRevoke((r) => {
      if (!revokes(r, caller)) return 0;
      close();
      return 1;
    });

  const drainStates = () => new Map(scheduler.listNodes().map(({ record }) => [record.id, record.drain?.state ?? 'schedulable']));

  const nodeChange = async (note: Note, change: () => Promise<NodeRecord[]>) => {
    const before = drainStates();
    const done = await change();
    note.target = `nodes ${done.map((n) => n.id).join(',')}`;
    note.before = Object.fromEntries(done.map((n) => [n.id, before.get(n.id) ?? 'unknown']));
    note.after = Object.fromEntries(done.map((n) => [n.id, n.drain?.state ?? 'schedulable']));
    return nodesView(new Set(done.map((n) => n.id)));
  };

  return {
    SubmitJob: unary('SubmitJob', async (req, caller, note) => {
      const job = await scheduler.submit(req.specJson, { owner: caller.name, teamFor: (named) => teamFor(caller, named) });
      note.target = `job ${job.id}`;
      note.after = { state: job.state, team: job.spec.team, name: job.spec.name, shape: `${job.spec.nodes} node(s) x ${job.spec.gpus} GPU(s)` };
      return jobToProto(job);
    }),
    GetJob: unary('GetJob', (req, caller) => jobToProto(jobFor(caller, scheduler.getJob(req.id)), scheduler.powerOf(req.id))),
    ListJobs: unary('ListJobs', (req, caller) => {
      const page = scheduler.pageJobs({ states: req.states, team: req.team, since: req.sinceMs, limit: req.limit, pageToken: req.pageToken });
      return { jobs: page.jobs.map((j) => jobToProto(jobFor(caller, j))), nextPageToken: page.nextPageToken };
    }),
    CancelJob: unary('CancelJob', async (req, caller, note) => {
      const job = scheduler.getJob(req.id);
      note.before = jobState(job);
      requireTeam(caller, job, 'cancel');
      const done = await scheduler.cancel(req.id, req.reason);
      note.after = jobState(done);
      return jobToProto(jobFor(caller, done));
    }),
    ListNodes: unary('ListNodes', () => nodesView()),
    GetSite: unary('GetSite', () => siteView()),
    UpdateSite: unary('UpdateSite', async (req, _caller, note): Promise<Site> => {
      const touched = siteActions(req);
      note.before = siteState(scheduler.siteConfig(), touched);
      const setTeams = Object.fromEntries(
        Object.entries(req.setTeams ?? {}).map(([team, share]) => [team, { ...(share.gpus != null ? { gpus: share.gpus } : {}), ...(share.mw != null ? { mw: share.mw } : {}) }]),
      );
      const site = await scheduler.updateSite({
        ...(req.capMw !== undefined ? { capMw: req.capMw } : {}),
        addGridEvents: req.addGridEvents.map((e) => ({
          startMs: e.startMs,
          durationS: e.durationS,
          capMw: e.capMw,
          noticeS: e.noticeS,
          ...(e.reduceFraction != null ? { reduceFraction: e.reduceFraction } : {}),
        })),
        clearGridEvents: req.clearGridEvents,
        setTeams,
        removeTeams: req.removeTeams ?? [],
      });
      note.after = siteState(site, touched);
      return siteView();
    }),
    DrainNodes: unary('DrainNodes', (req, caller, note) =>
      nodeChange(note, () =>
        scheduler.drain(
          { nodeIds: req.nodes?.nodeIds ?? [], labels: req.nodes?.labels ?? {} },
          // "by" is the verified name, never one the request carries.
          { reason: req.reason, by: caller.name, ...(req.deadlineS ? { deadlineS: req.deadlineS } : {}), migrate: !req.noMigrate, force: req.force, cancel: req.cancel },
        ),
      ),
    ),
    UncordonNodes: unary('UncordonNodes', (req, _caller, note) =>
      nodeChange(note, () => scheduler.uncordon({ nodeIds: req.nodes?.nodeIds ?? [], labels: req.nodes?.labels ?? {} })),
    ),
    RevokeCredential: unary('RevokeCredential', async (req, caller, note) => {
      const kind = req.kind;
      if (kind !== 'node' && kind !== 'user') throw new WattpackError('INVALID_ARGUMENT', `kind "${kind.slice(0, 20)}": use node or user`);
      if (!NAME_PATTERN.test(req.name)) throw new WattpackError('INVALID_ARGUMENT', `name "${req.name.slice(0, 40)}": not a credential name`);
      if (req.serials.length > 1000 || req.serials.some((s) => !/^[0-9a-f]{1,40}$/i.test(s))) throw new WattpackError('INVALID_ARGUMENT', 'serials: at most 1000 hexadecimal serial numbers');
      const { revocation, closed } = await trust.revocations.revoke({ kind, name: req.name, serials: req.serials, by: caller.name });
      note.after = { issuedBefore: new Date(revocation.issuedBefore).toISOString(), serials: revocation.serials.join(',') || '-', streamsClosed: String(closed) };
      return { kind, name: req.name, issuedBeforeMs: revocation.issuedBefore, serials: revocation.serials, streamsClosed: closed };
    }),
    ListAudit: unary('ListAudit', async (req) => {
      const sinceMs = Number(req.sinceMs) || Date.now() - 24 * 3600_000;
      const limit = Math.min(Math.max(req.limit || 1000, 1), 10_000);
      const { records, truncated } = await trust.audit.read({ sinceMs, limit, ...(req.user ? { user: req.user } : {}) });
      return {
        records: records.map((r) => ({ atMs: r.at, name: r.name, role: r.role, serial: r.serial, action: r.action, target: r.target, result: r.result, message: r.message, before: r.before, after: r.after })),
        truncated,
      };
    }),

    WatchJob(call) {
      const note: Note = {};
      let caller: Identity;
      let job: Job;
      try {
        caller = admit('WatchJob', call, call.request);
        job = scheduler.getJob(call.request.id);
      } catch (err) {
        void finish('WatchJob', call, call.request, undefined, note, err).then(() => failStream(call, err, log));
        return;
      }
      const send = (j: Job) => {
        call.write(jobToProto(jobFor(caller, j), scheduler.powerOf(j.id)));
        if (isTerminal(j.state)) end();
      };
      const onChange = (j: Job) => j.id === job.id && send(j);
      const stop = () => {
        scheduler.changes.off('job', onChange);
        unwatch();
      };
      const end = () => {
        stop();
        call.end();
      };
      const unwatch = closeOnRevoke(caller, () => {
        stop();
        failStream(call, new WattpackError('UNAUTHENTICATED', `the credential of ${caller.name} was revoked`), log);
      });
      scheduler.changes.on('job', onChange);
      call.on('cancelled', stop);
      send(job);
    },

    JobLogs(call) {
      const { id, follow } = call.request;
      const note: Note = {};
      let caller: Identity | undefined;
      let cancelled = false;
      let revoked = false;
      let unwatch: () => unknown = () => undefined;
      call.on('cancelled', () => (cancelled = true));
      Promise.resolve()
        .then(() => {
          caller = admit('JobLogs', call, call.request);
          requireTeam(caller, scheduler.getJob(id), 'logs');
          unwatch = closeOnRevoke(caller, () => (revoked = true));
        })
        .then(() =>
          logs.read(
            id,
            { follow, jobEnded: () => isTerminal(scheduler.getJob(id).state), cancelled: () => cancelled || revoked },
            (r) => call.write({ jobId: r.jobId, attemptId: r.attemptId, nodeId: r.nodeId, stream: r.stream, line: r.line, atMs: r.at }),
          ),
        )
        .then(() => {
          if (revoked) throw new WattpackError('UNAUTHENTICATED', `the credential of ${caller!.name} was revoked`);
          call.end();
        })
        .catch(async (err: unknown) => {
          await finish('JobLogs', call, call.request, caller, note, err);
          failStream(call, err, log);
        })
        .finally(() => unwatch());
    },
  };
}

/** What a call changes or reads, for the audit, from its request (handlers refine it). */
function targetOf(rpc: Rpc, request: unknown): string {
  const req = (request ?? {}) as { id?: string; team?: string; kind?: string; name?: string; nodes?: { nodeIds?: string[]; labels?: Record<string, string> } };
  switch (rpc) {
    case 'SubmitJob':
      return 'job';
    case 'GetJob':
    case 'WatchJob':
    case 'JobLogs':
    case 'CancelJob':
      return `job ${req.id ?? ''}`;
    case 'ListJobs':
      return req.team ? `jobs of ${req.team}` : 'jobs';
    case 'UpdateSite':
      return siteActions(request as UpdateSiteRequest__Output)
        .map((a) => ({ 'set-cap': 'cap', 'grid-events': 'grid events', 'set-teams': 'teams' })[a as string] ?? 'site')
        .join(', ');
    case 'DrainNodes':
    case 'UncordonNodes': {
      const labels = Object.entries(req.nodes?.labels ?? {}).map(([k, v]) => `${k}=${v}`);
      return `nodes ${[...(req.nodes?.nodeIds ?? []), ...labels].join(',')}`;
    }
    case 'RevokeCredential':
      return `${req.kind ?? ''} ${req.name ?? ''}`;
    case 'ListAudit':
      return 'audit';
    case 'ListNodes':
      return 'nodes';
    case 'GetSite':
      return 'site';
  }
}

const jobState = (j: Job): Record<string, string> => ({ state: j.state, ...(j.cancelRequested ? { cancel: 'requested' } : {}) });

/** The settings an UpdateSite touched, as the audit shows them. */
function siteState(site: SiteConfig, touched: Action[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (touched.includes('set-cap')) out.capMw = String(site.capMw);
  if (touched.includes('grid-events')) {
    out.gridEvents = site.gridEvents.map((e) => `${e.capMw} MW from ${new Date(e.startMs).toISOString()} for ${e.durationS}s`).join('; ') || 'none';
  }
  if (touched.includes('set-teams')) {
    out.teams = Object.entries(site.teams).map(([t, s]) => `${t}: ${s.gpus ?? '-'} GPUs, ${s.mw ?? '-'} MW`).join('; ') || 'none';
  }
  return out;
}

/**
 * Ends a server stream with an error status. grpc-js sends the status of an 'error' event
 * when the stream ends; destroy() would drop the call without one, and leave the client waiting.
 */
function failStream(call: grpc.ServerWritableStream<unknown, unknown>, err: unknown, log: Logger): void {
  call.emit('error', toStatus(err, log));
}

function toStatus(err: unknown, log: Logger): Partial<grpc.StatusObject> {
  const e = WattpackError.from(err);
  if (e.code === 'INTERNAL') log.error({ err }, 'request failed');
  return { code: grpcStatusOf(e.code), details: e.message };
}
