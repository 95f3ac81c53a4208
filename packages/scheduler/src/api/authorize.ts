import { ALL_TEAMS, WattpackError, peerIdentity, roleAtLeast, type Identity, type Job, type PeerCall, type Role, type USER_ROLES } from '@wattpack/common/daemon';
import type { SchedulerServiceHandlers } from '@wattpack/common/proto/SchedulerService';
import type { UpdateSiteRequest__Output } from '@wattpack/common/proto/UpdateSiteRequest';
import type { RevocationList } from './revocations.js';

/**
 * Authorization, in one place: who a caller is (their certificate), what each action
 * needs (a table, like Nomad's ACL capabilities), which teams' jobs they may see in full.
 * Every SchedulerService call passes through `authorize` before its handler runs; so does
 * every data call of the web dashboard (dashboard/server.ts: read-site, read-jobs). The
 * gRPC health service (grpc.health.v1, server.ts) answers any peer of the site CA: it
 * tells only SERVING or NOT_SERVING.
 */

/** What a call offers to tell who made it: the TLS peer of its connection. */
export type Caller = PeerCall;

export type UserRole = (typeof USER_ROLES)[number];

/** Every action a caller can take, the role it needs (user < operator < admin), and how a refusal names it. */
export const ACTIONS = {
  'submit-job': { role: 'user', doing: 'submitting jobs' },
  'read-jobs': { role: 'user', doing: 'reading jobs' },
  'cancel-job': { role: 'user', doing: 'cancelling jobs' },
  'cancel-any-job': { role: 'operator', doing: "cancelling another team's job" },
  'read-logs': { role: 'user', doing: "reading jobs' logs" },
  'read-site': { role: 'user', doing: 'reading the site and its nodes' },
  'update-site': { role: 'operator', doing: "changing the site's settings" },
  'set-cap': { role: 'operator', doing: 'changing the cap' },
  'grid-events': { role: 'operator', doing: 'changing grid events' },
  cordon: { role: 'operator', doing: 'cordoning nodes' },
  drain: { role: 'operator', doing: 'draining nodes' },
  uncordon: { role: 'operator', doing: 'uncordoning nodes' },
  'node-power': { role: 'operator', doing: 'powering servers off and on' },
  'read-audit': { role: 'operator', doing: 'reading the audit log' },
  'read-plan': { role: 'operator', doing: "reading the next pass's plan" },
  'read-own-usage': { role: 'user', doing: 'reading your own usage and history' },
  'read-all-usage': { role: 'operator', doing: "reading other people's usage and history" },
  'set-teams': { role: 'admin', doing: "changing teams and their shares" },
  revoke: { role: 'admin', doing: 'revoking credentials' },
} as const satisfies Record<string, { role: UserRole; doing: string }>;

export type Action = keyof typeof ACTIONS;
/** The service's methods (its handler type also has grpc-js's string index signature). */
type KnownKeys<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };
export type Rpc = KnownKeys<SchedulerServiceHandlers>;

/**
 * What each RPC needs before its handler runs, and whether it changes anything (those
 * are audited and logged with the caller's name). An RPC missing here does not compile.
 * Team rules come on top: see `teamFor`, `inTeam` and `jobFor`.
 */
export const RPCS: Record<Rpc, { needs: Action | ((request: never) => Action[]); mutates: boolean }> = {
  SubmitJob: { needs: 'submit-job', mutates: true },
  SubmitJobs: { needs: 'submit-job', mutates: true },
  GetJob: { needs: 'read-jobs', mutates: false },
  ListJobs: { needs: 'read-jobs', mutates: false },
  WatchJob: { needs: 'read-jobs', mutates: false },
  JobLogs: { needs: 'read-logs', mutates: false },
  CancelJob: { needs: 'cancel-job', mutates: true },
  ListNodes: { needs: 'read-site', mutates: false },
  GetSite: { needs: 'read-site', mutates: false },
  UpdateSite: { needs: siteActions, mutates: true },
  CordonNodes: { needs: 'cordon', mutates: true },
  DrainNodes: { needs: 'drain', mutates: true },
  UncordonNodes: { needs: 'uncordon', mutates: true },
  SetNodePower: { needs: 'node-power', mutates: true },
  RevokeCredential: { needs: 'revoke', mutates: true },
  ListAudit: { needs: 'read-audit', mutates: false },
  PlanNext: { needs: 'read-plan', mutates: false },
  ListHistory: { needs: 'read-own-usage', mutates: false },
  GetUsage: { needs: 'read-own-usage', mutates: false },
  ListShares: { needs: 'read-site', mutates: false },
  GetJobUsage: { needs: 'read-own-usage', mutates: false },
};

/** An UpdateSite needs the role of each thing it changes. */
export function siteActions(req: Pick<UpdateSiteRequest__Output, 'capMw' | 'addGridEvents' | 'clearGridEvents' | 'setTeams' | 'removeTeams'>): Action[] {
  const actions: Action[] = [];
  if (req.capMw !== undefined && req.capMw !== null) actions.push('set-cap');
  if (req.addGridEvents?.length || req.clearGridEvents) actions.push('grid-events');
  if (Object.keys(req.setTeams ?? {}).length || req.removeTeams?.length) actions.push('set-teams');
  return actions.length ? actions : ['update-site'];
}

/** The actions an RPC needs for this request. */
export function actionsOf(rpc: Rpc, request: unknown): Action[] {
  const needs = RPCS[rpc].needs;
  return typeof needs === 'function' ? (needs as (r: unknown) => Action[])(request ?? {}) : [needs];
}

const ARTICLE: Record<Role, string> = { user: 'a user', operator: 'an operator', admin: 'an admin', node: 'a node', scheduler: 'the scheduler', nats: 'a NATS server' };

/** Refuses, naming the role the action needs: "alice is a user: changing the cap needs the operator role". */
export function authorize(id: Identity, ...actions: Action[]): void {
  for (const action of actions) {
    const { role, doing } = ACTIONS[action];
    if (!roleAtLeast(id.role, role)) throw new WattpackError('PERMISSION_DENIED', `${id.name} is ${ARTICLE[id.role]}: ${doing} needs the ${role} role`);
  }
}

/** The identity the scheduler gives callers of an insecure (debugging) scheduler: no peers to verify. */
export const ANONYMOUS_ADMIN: Identity = { name: 'anonymous', role: 'admin', teams: [ALL_TEAMS], serial: '' };

/**
 * Who made a call: the identity in the client certificate the TLS handshake verified
 * against the site CA, refused (UNAUTHENTICATED) once revoked. Metadata and message
 * bodies never name the caller. A scheduler started with --insecure has no peers to
 * verify and treats every caller as an admin.
 */
export function callerOf(call: Caller, revoked?: RevocationList): Identity {
  const id = peerIdentity(call);
  if (!id) return ANONYMOUS_ADMIN;
  revoked?.check(id);
  return id;
}

/** A member of the team (an identity of every team, `*`, is a member of each). */
export const inTeam = (id: Identity, team: string): boolean => id.teams.includes(ALL_TEAMS) || id.teams.includes(team);

/** The team of a job without one in its spec, for a caller of every team. */
export const DEFAULT_TEAM = 'default';

/**
 * The team a job is submitted for: the one its spec names, which must be one of the
 * caller's; without one, the caller's first team (`default` for a caller of every team).
 */
export function teamFor(id: Identity, named: string | undefined): string {
  if (named !== undefined) {
    if (inTeam(id, named)) return named;
    throw new WattpackError('PERMISSION_DENIED', `${id.name} is not in team "${named.slice(0, 63)}": ${id.teams.length ? `submit for ${id.teams.join(', ')}` : 'the credential names no team'}`);
  }
  const first = id.teams[0];
  if (first === undefined) throw new WattpackError('PERMISSION_DENIED', `${id.name} is in no team: an admin issues credentials with --teams`);
  return first === ALL_TEAMS ? DEFAULT_TEAM : first;
}

/**
 * A job as this caller may see it: in full for its team's members; for others, what it
 * is and where it runs, without its command, arguments, environment, paths or mounts
 * (they carry secrets: tokens, paths, data set names).
 */
export function jobFor(id: Identity, job: Job): Job {
  if (inTeam(id, job.spec.team)) return job;
  const { workdir: _workdir, output: _output, error: _error, ...spec } = job.spec;
  return { ...job, spec: { ...spec, command: [], args: [], env: {}, mounts: [] } };
}

/**
 * Whose usage a caller may read (like sacct): a user their own, whatever they ask for;
 * operators and admins anyone's. Returns the user to filter on (undefined: everyone).
 */
export function usageScope(id: Identity, asked: string | undefined): string | undefined {
  if (roleAtLeast(id.role, 'operator')) return asked;
  if (asked !== undefined && asked !== id.name) authorize(id, 'read-all-usage');
  return id.name;
}

/** Reading a job's output, or cancelling it, is for its team; cancelling any job also for operators. */
export function requireTeam(id: Identity, job: Job, what: 'logs' | 'cancel'): void {
  if (inTeam(id, job.spec.team)) return;
  if (what === 'cancel') {
    authorize(id, 'cancel-any-job');
    return;
  }
  throw new WattpackError('PERMISSION_DENIED', `${id.name} is not in team "${job.spec.team}": job ${job.id}'s logs are for its team`);
}

