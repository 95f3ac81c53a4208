import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readAsset } from '@wattpack/common/daemon';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { digestResponse, parseDigestAuthorization } from './digest.js';
import { STANDBY_W } from './models.js';
import type { Json, JsonObject } from './parse-rpc.js';

/**
 * A miner simulator for tests and demos. It speaks the cgminer RPC (TCP) and the web or
 * REST interface of each firmware, and answers with the real recorded replies of
 * packages/agent/hardware/asic, byte for byte while the miner mines (their quirks included:
 * pretty-printed JSON with newlines, "GHS 5s" as a string, "Tenperature"). Replies that
 * were never recorded follow the firmware's documentation and are marked "documented"
 * below; a sleeping miner's replies are the recorded ones with hashrate and power set
 * to what a sleeping miner reports. It can be told to misbehave.
 */

export const SIM_KINDS = ['antminer-s19pro', 'antminer-s21', 'vnish-s19xp', 'luxos-s19kpro', 'braiins-s19xp'] as const;
export type SimKind = (typeof SIM_KINDS)[number];

export type Misbehaviour =
  | { mode: 'ok' }
  /** Answer after a delay. */
  | { mode: 'slow'; delayMs: number }
  /** Accept and never answer. */
  | { mode: 'hang' }
  /** Send half of the reply, then close. */
  | { mode: 'truncate' }
  /** Send bytes that are no JSON. */
  | { mode: 'malformed' }
  /** Stop listening: connections are refused. */
  | { mode: 'down' };

/** How a reply ends: NUL (cgminer), newline, the socket closing, or nothing at all. */
export type Terminator = 'nul' | 'newline' | 'close' | 'none';
/** Defects real firmware puts in its JSON, applied on top of the recorded reply. */
export type Quirk = 'trailing-comma' | 'concat' | 'inf';

export interface SimMinerOptions {
  kind: SimKind;
  credentials?: { username: string; password: string };
  terminator?: Terminator;
  quirks?: Quirk[];
  /** How long a sleep or wake takes to show (stock firmware is down meanwhile: bmminer restarts). */
  transitionMs?: number;
}

/** Simulated miners listen on loopback only. */
const HOST = '127.0.0.1';

/**
 * The recorded replies the agent package ships (packages/agent/hardware, three folders up
 * from src/collectors/asic and from dist/collectors/asic alike); WATTPACK_HARDWARE overrides.
 */
export function hardwareDir(): string {
  return process.env.WATTPACK_HARDWARE ? resolve(process.env.WATTPACK_HARDWARE) : fileURLToPath(new URL('../../../hardware', import.meta.url));
}

/** A recorded reply: from WATTPACK_HARDWARE or a test's folder, else the shipped one (embedded in a bundle). */
function readReply(dir: string | undefined, path: string): string {
  return dir ? readFileSync(join(dir, 'asic', path), 'utf8') : readAsset(`packages/agent/hardware/asic/${path}`);
}

type Replies = Record<string, string>;

const RECORDED: Record<SimKind, Replies> = {
  'antminer-s19pro': {
    version: 'antminer/s19pro-stock-version.json',
    summary: 'antminer/s19pro-stock-summary.json',
    stats: 'antminer/s19pro-stock-stats.json',
    devs: 'antminer/s19pro-stock-devs.json',
    pools: 'antminer/s19pro-stock-pools.json',
  },
  'antminer-s21': {
    version: 'antminer/s21-stock-version-fixture.json',
    summary: 'antminer/s21-stock-summary-fixture.json',
    stats: 'antminer/s21-stock-stats-fixture.json',
    devs: 'antminer/s21-stock-devs-fixture.json',
  },
  'vnish-s19xp': { summary: 'antminer/s19xp-vnish-summary.raw.json', stats: 'antminer/s19xp-vnish-stats.raw.json' },
  'luxos-s19kpro': {
    version: 'luxos/version.json',
    summary: 'luxos/summary.json',
    stats: 'luxos/stats.json',
    power: 'luxos/power.json',
    profiles: 'luxos/profiles.json',
    curtail: 'luxos/curtail-sleep.doc-example.json',
  },
  'braiins-s19xp': { 'miner/stats': 'braiins/rest-miner_stats-v25_07.json', 'miner/details': 'braiins/rest-miner_details-v25_07.json' },
};

const SLEEPING_STOCK: Replies = { stats: 'antminer/s19-sleeping-stats.json', pools: 'antminer/s19-sleeping-pools.json' };
const STOCK_CONF = 'antminer/s19-sleeping-get_miner_conf.cgi.json';

/** Sets every hashrate-like value to 0 and every power value to standby, keeping each value's type. */
function asSleeping(value: Json, key = ''): Json {
  if (Array.isArray(value)) return value.map((v) => asSleeping(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asSleeping(v, k)]));
  const zero = (v: number) => (typeof value === 'string' ? (value.endsWith(' W') ? `${v} W` : v.toFixed(2)) : v);
  if (/^(GHS|MHS) |^chain_rate\d|^total rate$|^gigahash_per_second$/.test(key) && value !== '') return zero(0);
  if (/^Watts$|^chain_power$|^watt$/.test(key)) return zero(STANDBY_W);
  return value;
}

function applyQuirks(text: string, quirks: readonly Quirk[]): string {
  let t = text;
  if (quirks.includes('concat')) t = t.replace(/\}\s*,\s*\{/g, '}{');
  if (quirks.includes('trailing-comma')) t = t.replace(/\}(\s*)\]/, '},$1]').replace(/\}\s*$/, ',}');
  if (quirks.includes('inf')) t = t.replace(/("GHS av"\s*:\s*)[\d.]+/, '$1inf');
  return t;
}

export class SimulatedMiner {
  readonly kind: SimKind;
  /** Commands received over RPC and requests over HTTP, in order. */
  readonly received: string[] = [];
  private misbehaviour: Misbehaviour = { mode: 'ok' };
  private sleepingNow = false;
  private transition: NodeJS.Timeout | undefined;
  private rpc: Server | undefined;
  private http: HttpServer | undefined;
  /** Open connections; `rpc` marks those of the RPC server (a bmminer restart drops only them). */
  private readonly sockets = new Map<Socket, 'rpc' | 'http'>();
  /** 0 until listening; kept when listening again after a restart or "down". */
  private rpcPort = 0;
  private httpPort = 0;
  private readonly files = new Map<string, string>();
  private readonly tokens = new Set<string>();
  private readonly nonces = new Set<string>();

  constructor(
    private readonly opts: SimMinerOptions,
    private readonly dir = process.env.WATTPACK_HARDWARE ? hardwareDir() : undefined,
  ) {
    this.kind = opts.kind;
  }

  get rpcEndpoint(): string {
    return `${HOST}:${this.rpcPort}`;
  }

  get webUrl(): string {
    return `http://${HOST}:${this.httpPort}`;
  }

  get sleeping(): boolean {
    return this.sleepingNow;
  }

  /** A miners-file entry for this miner (firmware auto where the firmware answers `version`). */
  configEntry(): Record<string, unknown> {
    const credentials = this.opts.credentials ?? { username: 'root', password: 'root' };
    return {
      endpoint: this.rpcEndpoint,
      web: this.webUrl,
      ...(this.kind === 'braiins-s19xp' ? { firmware: 'braiins', credentials } : this.kind.startsWith('antminer') ? { credentials } : {}),
    };
  }

  async start(): Promise<void> {
    await this.listenRpc();
    await this.listenHttp();
  }

  async stop(): Promise<void> {
    clearTimeout(this.transition);
    await this.down('all');
  }

  async misbehave(m: Misbehaviour): Promise<void> {
    this.misbehaviour = m;
    if (m.mode === 'down') return this.down('all');
    if (!this.rpc) await this.listenRpc();
    if (!this.http) await this.listenHttp();
  }

  private async listenRpc(): Promise<void> {
    const server = createServer((socket) => this.serveRpc(socket));
    await new Promise<void>((r) => server.listen(this.rpcPort, HOST, r));
    this.rpcPort = (server.address() as { port: number }).port;
    this.rpc = server;
  }

  private async listenHttp(): Promise<void> {
    const server = createHttpServer((req, res) => void this.serveHttp(req, res));
    server.on('connection', (s) => this.track(s, 'http'));
    await new Promise<void>((r) => server.listen(this.httpPort, HOST, r));
    this.httpPort = (server.address() as { port: number }).port;
    this.http = server;
  }

  /** Stops listening: the RPC server alone (a bmminer restart), or everything. */
  private async down(what: 'rpc' | 'all'): Promise<void> {
    const rpc = this.rpc;
    const http = what === 'all' ? this.http : undefined;
    this.rpc = undefined;
    if (what === 'all') this.http = undefined;
    for (const [s, kind] of this.sockets) if (what === 'all' || kind === 'rpc') s.destroy();
    await Promise.all([closeServer(rpc), closeServer(http)]);
  }

  private track(socket: Socket, kind: 'rpc' | 'http'): void {
    this.sockets.set(socket, kind);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private file(path: string): string {
    let text = this.files.get(path);
    if (text === undefined) {
      text = readReply(this.dir, path);
      this.files.set(path, text);
    }
    return text;
  }

  private serveRpc(socket: Socket): void {
    this.track(socket, 'rpc');
    let buf = '';
    socket.on('error', () => {});
    socket.on('data', (d) => {
      buf += d.toString();
      let req: { command?: unknown; parameter?: unknown };
      try {
        req = JSON.parse(buf) as typeof req;
      } catch {
        return;
      }
      void this.answerRpc(socket, String(req.command ?? ''), req.parameter === undefined ? undefined : String(req.parameter));
    });
  }

  private async answerRpc(socket: Socket, command: string, parameter: string | undefined): Promise<void> {
    this.received.push(parameter === undefined ? command : `${command} ${parameter}`);
    const m = this.misbehaviour;
    if (m.mode === 'hang') return;
    if (this.kind === 'braiins-s19xp') return void socket.end(); // its legacy API is off
    if (m.mode === 'slow') await new Promise((r) => setTimeout(r, m.delayMs));
    if (m.mode === 'malformed') return void socket.end('\u0001\u0002<html>502 Bad Gateway</html>\u0000');
    let text = this.rpcReply(command, parameter);
    text = applyQuirks(text, this.opts.quirks ?? []);
    if (m.mode === 'truncate') return void socket.end(text.slice(0, Math.floor(text.length / 2)));
    const terminator = this.opts.terminator ?? 'nul';
    if (terminator === 'none') return void socket.write(text);
    socket.end(terminator === 'nul' ? `${text}\0` : terminator === 'newline' ? `${text}\n` : text);
  }

  private rpcReply(command: string, parameter: string | undefined): string {
    const recorded = RECORDED[this.kind];
    const status = (code: number, msg: string, extra: JsonObject = {}) =>
      JSON.stringify({ STATUS: [{ STATUS: code >= 0 ? 'S' : 'E', When: Math.floor(Date.now() / 1000), Code: Math.abs(code), Msg: msg, Description: this.description() }], ...extra, id: 1 });
    if (this.kind === 'vnish-s19xp' && command === 'version') {
      // Not recorded: cgminer's version reply carries what the recorded stats' first entry says.
      const stats = JSON.parse(this.file(recorded.stats!)) as JsonObject;
      return status(22, 'CGMiner versions', { VERSION: [(stats.STATS as Json[])[0]!] });
    }
    if (this.kind === 'luxos-s19kpro') {
      // Documented (LuxOS API reference), not recorded: logon, logoff and curtail's wakeup.
      if (command === 'logon') return status(307, 'Session created', { SESSION: [{ SessionID: this.newToken() }] });
      if (command === 'logoff') return this.tokens.delete(parameter ?? '') ? status(308, 'Session closed') : status(-300, 'Invalid session id');
      if (command === 'curtail') {
        const [sid, action] = (parameter ?? '').split(',');
        if (!sid || !this.tokens.has(sid)) return status(-300, 'Invalid session id');
        if (action !== 'sleep' && action !== 'wakeup') return status(-336, `Invalid curtail action ${action}`);
        this.goTo(action === 'sleep');
        return action === 'sleep' ? this.file(recorded.curtail!) : status(335, 'Curtailment command sent', { CURTAIL: [{ Action: 'wakeup' }] });
      }
    }
    const sleepingFile = this.sleepingNow && this.kind === 'antminer-s19pro' ? SLEEPING_STOCK[command] : undefined;
    if (sleepingFile) return this.file(sleepingFile);
    const file = recorded[command];
    if (!file) return status(-14, 'Invalid command');
    const text = this.file(file);
    return this.sleepingNow ? JSON.stringify(asSleeping(JSON.parse(text) as Json)) : text;
  }

  private description(): string {
    if (this.kind === 'luxos-s19kpro') return 'LUXminer 2025.4.8.220305-57b389c7';
    return this.kind === 'vnish-s19xp' ? 'cgminer 4.11.1' : 'cgminer 1.0.0';
  }

  private newToken(): string {
    const t = randomBytes(8).toString('hex');
    this.tokens.add(t);
    return t;
  }

  /** Sleeps or wakes after transitionMs; stock firmware restarts bmminer, so its RPC is down meanwhile. */
  private goTo(sleeping: boolean): void {
    clearTimeout(this.transition);
    const restarts = this.kind.startsWith('antminer');
    if (restarts) void this.down('rpc');
    this.transition = setTimeout(() => {
      this.sleepingNow = sleeping;
      if (restarts && this.misbehaviour.mode !== 'down') void this.listenRpc();
    }, this.opts.transitionMs ?? 2000);
  }

  private async serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    this.received.push(`${req.method} ${url.pathname}`);
    let body = '';
    for await (const chunk of req) body += chunk;
    const m = this.misbehaviour;
    if (m.mode === 'slow') await new Promise((r) => setTimeout(r, m.delayMs));
    const send = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof value === 'string' ? value : JSON.stringify(value));
    };
    const credentials = this.opts.credentials ?? { username: 'root', password: 'root' };

    if (this.kind.startsWith('antminer') && url.pathname.startsWith('/cgi-bin/')) {
      if (!this.digestOk(req, credentials)) {
        const nonce = randomBytes(16).toString('hex');
        this.nonces.add(nonce);
        return send(401, 'Unauthorized', { 'www-authenticate': `Digest realm="antMiner Configuration", nonce="${nonce}", qop="auth"` });
      }
      if (url.pathname === '/cgi-bin/get_miner_conf.cgi') return send(200, this.file(STOCK_CONF).replace(/("bitmain-work-mode" : )"\d"/, `$1"${this.sleepingNow ? 1 : 0}"`));
      if (url.pathname === '/cgi-bin/set_miner_conf.cgi' && req.method === 'POST') {
        // Documented by what stock web pages post: "miner-mode" 0 normal, 1 sleep.
        const mode = (JSON.parse(body || '{}') as JsonObject)['miner-mode'];
        if (mode !== 0 && mode !== 1) return send(200, { stats: 'error', code: 'M001', msg: 'Illegal miner-mode' });
        this.goTo(mode === 1);
        return send(200, { stats: 'success', code: 'M000', msg: 'OK!' });
      }
      return send(404, { stats: 'error', msg: 'not found' });
    }

    if (this.kind === 'braiins-s19xp' && url.pathname.startsWith('/api/v1/')) {
      const path = url.pathname.slice('/api/v1/'.length);
      // Documented (Braiins OS public API), not recorded: login, pause, resume.
      if (path === 'auth/login' && req.method === 'POST') {
        const c = JSON.parse(body || '{}') as JsonObject;
        if (c.username !== credentials.username || c.password !== credentials.password) return send(401, { code: 16, message: 'Invalid credentials' });
        return send(200, { token: this.newToken(), timeout_s: 3600 });
      }
      if (!this.tokens.has(req.headers.authorization ?? '')) return send(401, { code: 16, message: 'Unauthenticated' });
      if (path === 'actions/pause' || path === 'actions/resume') {
        const pause = path === 'actions/pause';
        const already = pause === this.sleepingNow;
        this.goTo(pause);
        return send(200, pause ? { already_paused: already } : { already_running: already });
      }
      const file = RECORDED[this.kind][path];
      if (!file || req.method !== 'GET') return send(404, { code: 5, message: `${path} not found` });
      const recorded = JSON.parse(this.file(file)) as JsonObject;
      if (path === 'miner/details') return send(200, { ...recorded, status: this.sleepingNow ? 3 : recorded.status });
      return send(200, this.sleepingNow ? asSleeping(recorded) : this.file(file));
    }
    send(404, { message: 'not found' });
  }

  private digestOk(req: IncomingMessage, credentials: { username: string; password: string }): boolean {
    const f = parseDigestAuthorization(req.headers.authorization);
    if (!f || f.username !== credentials.username || !f.nonce || !this.nonces.has(f.nonce)) return false;
    const expected = digestResponse({
      challenge: { realm: 'antMiner Configuration', nonce: f.nonce, qop: 'auth' },
      username: credentials.username,
      password: credentials.password,
      method: req.method ?? 'GET',
      uri: f.uri ?? '',
      cnonce: f.cnonce ?? '',
      nc: parseInt(f.nc ?? '1', 16),
    });
    return f.response === expected;
  }
}

function closeServer(server: Server | HttpServer | undefined): Promise<void> {
  return new Promise((r) => (server ? server.close(() => r()) : r()));
}

/** Starts `count` simulated miners, cycling through `kinds`. */
export async function startMiners(count: number, kinds: readonly SimKind[], opts: Omit<SimMinerOptions, 'kind'> = {}): Promise<SimulatedMiner[]> {
  const miners = Array.from({ length: count }, (_, i) => new SimulatedMiner({ ...opts, kind: kinds[i % kinds.length]! }));
  await Promise.all(miners.map((m) => m.start()));
  return miners;
}
