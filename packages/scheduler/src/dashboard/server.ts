import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { fileURLToPath } from 'node:url';
import { SignJWT, jwtVerify } from 'jose';
import { WattpackError, jobToProto, type Credentials, type Identity, type Logger } from '@wattpack/common/daemon';
import { verifyLoginToken } from '@wattpack/common/login-token';
import { ANONYMOUS_ADMIN, authorize, jobFor, type Action } from '../api/authorize.js';
import type { AuditLog } from '../api/audit.js';
import type { Revocations } from '../api/revocations.js';
import { nodesView, siteView } from '../api/views.js';
import type { Scheduler } from '../loop/scheduler.js';
import type { JobWatch } from '../observe/job-watch.js';
import type { History } from './history.js';

/** A browser session lasts a working day; every request is still checked against revocations. */
const SESSION_S = 8 * 3600;
const COOKIE = 'wp_session';
const HTTP_STATUS: Record<string, number> = { UNAUTHENTICATED: 401, PERMISSION_DENIED: 403, NOT_FOUND: 404, INVALID_ARGUMENT: 400 };
/** The page, its script and its styles (bundled by scripts/bundle-dashboard.mjs into dist/dashboard/web). */
const WEB = fileURLToPath(new URL('./web/', import.meta.url));
const ASSETS: Record<string, string> = { '/app.js': 'text/javascript', '/app.css': 'text/css' };
const PAGES = /^\/(|login|queue|nodes|drains|jobs\/[A-Za-z0-9_-]{1,80})$/;

export interface DashboardOptions {
  /** host:port of the HTTPS listener. */
  addr: string;
  credentials: Credentials;
  revocations: Revocations;
  /** Refusals (no or a bad login, a revoked credential, a role too low) are audited like the API's. */
  audit: AuditLog;
  history: History;
  /** Why each pending job waits (the core's code), for the queue page. */
  watch: JobWatch;
  log: Logger;
}

export interface Dashboard {
  address: string;
  close(): Promise<void>;
}

/**
 * The read-only web dashboard, served by the leading scheduler over HTTPS with its site
 * certificate. A browser logs in with a token `wattpack dashboard` signs (login-token.ts)
 * and gets a session cookie; every data call is authorized by the API's table
 * (authorize.ts) as the person the token named. Insecure schedulers serve plain HTTP.
 */
export async function startDashboard(scheduler: Scheduler, opts: DashboardOptions): Promise<Dashboard> {
  const secret = randomBytes(32);
  const files = new Map(['/index.html', ...Object.keys(ASSETS)].map((f) => [f, readFileSync(WEB + f.slice(1))]));
  const { credentials } = opts;

  const login = async (req: IncomingMessage, res: ServerResponse) => {
    if (credentials.insecure) throw new WattpackError('INVALID_ARGUMENT', 'an --insecure scheduler has no login: open the dashboard directly');
    const token = (await body(req)).trim();
    const id = await verifyLoginToken(token, credentials.caPem);
    opts.revocations.check(id);
    const cookie = await new SignJWT({ id }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(`${SESSION_S}s`).sign(secret);
    res.writeHead(204, { 'set-cookie': `${COOKIE}=${cookie}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=${SESSION_S}` }).end();
    opts.log.info({ user: id.name, role: id.role }, 'dashboard login');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    let caller: Identity | undefined;
    res.setHeader('content-security-policy', "default-src 'self'; style-src 'self'; frame-ancestors 'none'");
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'no-store');
    try {
      if (req.method === 'POST' && path === '/api/login') return await login(req, res);
      if (req.method !== 'GET') throw new WattpackError('INVALID_ARGUMENT', 'read-only: use GET');
      if (PAGES.test(path)) return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(files.get('/index.html'));
      if (ASSETS[path]) return void res.writeHead(200, { 'content-type': ASSETS[path] }).end(files.get(path));
      caller = await sessionOf(req, secret, opts);
      const data = JSON.stringify(pageData(path, caller, scheduler, opts));
      res.writeHead(200, { 'content-type': 'application/json' }).end(data);
    } catch (err) {
      const e = WattpackError.from(err);
      if (e.code === 'INTERNAL') opts.log.error({ err, path }, 'dashboard request failed');
      if (e.code === 'UNAUTHENTICATED' || e.code === 'PERMISSION_DENIED') auditRefusal(opts.audit, req, path, caller, e);
      if (res.headersSent) return void res.end();
      res.writeHead(HTTP_STATUS[e.code] ?? 500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: e.code === 'INTERNAL' ? 'internal error' : e.message }));
    }
  };

  const server = credentials.insecure
    ? createHttpServer((req, res) => void handle(req, res))
    : createHttpsServer({ cert: credentials.certPem, key: credentials.keyPem }, (req, res) => void handle(req, res));
  const address = await listen(server, opts.addr);
  opts.log.info({ address }, 'dashboard listening');
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The person a request's session cookie names, while the session lasts and their credential stands. */
async function sessionOf(req: IncomingMessage, secret: Uint8Array, opts: DashboardOptions): Promise<Identity> {
  if (opts.credentials.insecure) return ANONYMOUS_ADMIN;
  const cookie = (req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${COOKIE}=`))?.slice(COOKIE.length + 1);
  if (!cookie) throw new WattpackError('UNAUTHENTICATED', 'not logged in: run "wattpack dashboard" and open the link it prints');
  let id: Identity;
  try {
    const { payload } = await jwtVerify(cookie, secret, { algorithms: ['HS256'] });
    id = payload.id as Identity;
  } catch {
    throw new WattpackError('UNAUTHENTICATED', 'the session has expired: run "wattpack dashboard" again');
  }
  opts.revocations.check(id);
  return id;
}

/** The data each page draws: the API's views, as the API's table allows them. */
function pageData(path: string, id: Identity, scheduler: Scheduler, opts: DashboardOptions): unknown {
  const need = (action: Action) => authorize(id, action);
  if (path === '/api/site') {
    need('read-site');
    return { site: siteView(scheduler), history: opts.history.siteSamples() };
  }
  if (path === '/api/nodes') {
    need('read-site');
    return nodesView(scheduler);
  }
  if (path === '/api/queue') {
    need('read-jobs');
    const pending = scheduler.listJobs({ states: ['PENDING'] });
    return { jobs: pending.map((j) => jobToProto(jobFor(id, j))), reasons: Object.fromEntries(pending.map((j) => [j.id, opts.watch.pendingReason(j.id)])) };
  }
  const job = /^\/api\/jobs\/([A-Za-z0-9_-]{1,80})$/.exec(path);
  if (job) {
    need('read-jobs');
    const jobId = job[1]!;
    return { job: jobToProto(jobFor(id, scheduler.getJob(jobId)), scheduler.powerOf(jobId)), draw: opts.history.jobSamples(jobId) };
  }
  throw new WattpackError('NOT_FOUND', `no such page: ${path.slice(0, 80)}`);
}

/** A refused request, audited at most once a minute per caller (or address). */
function auditRefusal(audit: DashboardOptions['audit'], req: IncomingMessage, path: string, caller: Identity | undefined, e: WattpackError): void {
  const from = req.socket.remoteAddress ?? 'an unknown address';
  const who = caller ?? { name: '-', role: '', serial: '' };
  void audit.record(
    { name: who.name, role: who.role, serial: who.serial, action: 'Dashboard', target: `${req.method} ${path.slice(0, 100)} from ${from}`, result: e.code, message: e.message, before: {}, after: {} },
    { throttle: `dashboard:${caller?.serial ?? from}` },
  );
}

/** Listens at "host:port" (port 0: any); the address it got. */
async function listen(server: HttpServer, addr: string): Promise<string> {
  const colon = addr.lastIndexOf(':');
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new WattpackError('INVALID_ARGUMENT', `--dashboard-addr ${addr}: ${err.message}`)));
    server.listen(Number(addr.slice(colon + 1)), addr.slice(0, colon), () => resolve());
  });
  const bound = server.address();
  return `${addr.slice(0, colon)}:${typeof bound === 'object' && bound ? bound.port : 0}`;
}

/** A small request body (a login token), refused past 16 KiB. */
function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > 16_384) {
        reject(new WattpackError('INVALID_ARGUMENT', 'login: the token is too long'));
        req.destroy();
      }
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}
