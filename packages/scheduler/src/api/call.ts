import * as grpc from '@grpc/grpc-js';
import { WattpackError, grpcStatusOf, peerIdentity, type Identity, type LogRecord, type Logger } from '@wattpack/common/daemon';
import type { UpdateSiteRequest__Output } from '@wattpack/common/proto/UpdateSiteRequest';
import type { Scheduler } from '../loop/scheduler.js';
import type { AuditLog } from './audit.js';
import { ANONYMOUS_ADMIN, RPCS, actionsOf, authorize, callerOf, siteActions, type Caller, type Rpc } from './authorize.js';
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
export interface Note {
  target?: string;
  before?: Record<string, string>;
  after?: Record<string, string>;
}

/** What every room of the API is given: the scheduler, and one way to admit, run and audit a call. */
export interface Api {
  scheduler: Scheduler;
  logs: LogSource;
  log: Logger;
  trust: ApiTrust;
  /** Who calls, and may they: a revoked credential, then the RPC's role, are refused here. */
  admit(rpc: Rpc, call: Caller, request: unknown): Identity;
  /** Mutating calls and refusals go to the audit (and, through it, to the log) with the verified name. */
  finish(rpc: Rpc, call: Caller, request: unknown, caller: Identity | undefined, note: Note, err?: unknown): Promise<void>;
  unary<Req, Res>(rpc: Rpc, fn: (req: Req, caller: Identity, note: Note) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res>;
  /** A stream closes once its caller's credential is revoked. */
  closeOnRevoke(caller: Identity, close: () => void): () => unknown;
  failStream(call: grpc.ServerWritableStream<unknown, unknown>, err: unknown): void;
}

export function api(scheduler: Scheduler, logs: LogSource, log: Logger, trust: ApiTrust): Api {
  const admit: Api['admit'] = (rpc, call, request) => {
    const caller = callerOf(call, trust.revocations);
    authorize(caller, ...actionsOf(rpc, request));
    return caller;
  };

  const finish = auditor(trust, log);

  const unary: Api['unary'] = (rpc, fn) => (call, callback) => {
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

  const closeOnRevoke: Api['closeOnRevoke'] = (caller, close) =>
    trust.revocations.onRevoke((r) => {
      if (!revokes(r, caller)) return 0;
      close();
      return 1;
    });

  // grpc-js sends the status of an 'error' event when the stream ends; destroy() would
  // drop the call without one, and leave the client waiting.
  const failStream: Api['failStream'] = (call, err) => void call.emit('error', toStatus(err, log));

  return { scheduler, logs, log, trust, admit, finish, unary, closeOnRevoke, failStream };
}

/** A call's end, audited where it changes state or was refused; a failing audit is logged, never the caller's error. */
function auditor(trust: ApiTrust, log: Logger): Api['finish'] {
  return async (rpc, call, request, caller, note, err) => {
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
}

/** The caller named as well as the call allows, for the audit of a refused call. */
function whoCalled(call: Caller): Pick<Identity, 'name' | 'serial'> & { role: string } {
  try {
    return peerIdentity(call) ?? ANONYMOUS_ADMIN;
  } catch {
    // A certificate of the site CA that names no wattpack identity.
    return { name: '-', role: '', serial: '' };
  }
}

/** What a call changes or reads, for the audit, from its request (handlers refine it). */
function targetOf(rpc: Rpc, request: unknown): string {
  const req = (request ?? {}) as { id?: string; team?: string; kind?: string; name?: string; nodeId?: string; nodes?: { nodeIds?: string[]; labels?: Record<string, string> } };
  switch (rpc) {
    case 'SubmitJob':
    case 'SubmitJobs':
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
    case 'CordonNodes':
    case 'DrainNodes':
    case 'UncordonNodes': {
      const labels = Object.entries(req.nodes?.labels ?? {}).map(([k, v]) => `${k}=${v}`);
      return `nodes ${[...(req.nodes?.nodeIds ?? []), ...labels].join(',')}`;
    }
    case 'SetNodePower':
      return `node ${req.nodeId ?? ''}`;
    case 'RevokeCredential':
      return `${req.kind ?? ''} ${req.name ?? ''}`;
    case 'ListAudit':
      return 'audit';
    case 'ListNodes':
      return 'nodes';
    case 'GetSite':
      return 'site';
    case 'PlanNext':
      return 'plan';
    case 'ListHistory':
    case 'GetUsage':
      return 'usage';
    case 'ListShares':
      return 'shares';
    case 'GetJobUsage':
      return `usage of job ${req.id ?? ''}`;
  }
}

/** Errors become gRPC statuses here, and only here. */
function toStatus(err: unknown, log: Logger): Partial<grpc.StatusObject> {
  const e = WattpackError.from(err);
  if (e.code === 'INTERNAL') log.error({ err }, 'request failed');
  return { code: grpcStatusOf(e.code), details: e.message };
}
