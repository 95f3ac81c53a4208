import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll } from 'vitest';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  ANY_USER,
  SitePki,
  freePort,
  grpcChannelCredentials,
  identityOf,
  INSECURE,
  loadCredentials,
  loadProto,
  localJobUser,
  localSiteTrust,
  startNatsCluster,
  startNatsServer,
  type Identity,
  type LocalNatsServer,
  type LocalSiteTrust,
  type Role,
} from '@wattpack/common';
import { parse, stringify } from 'yaml';
import type { Job__Output } from '@wattpack/common/proto/Job';
import type { Node__Output } from '@wattpack/common/proto/Node';
import type { SchedulerServiceClient } from '@wattpack/common/proto/SchedulerService';
import type { Site__Output } from '@wattpack/common/proto/Site';
import { BIN, failedDaemons, fleetFolder, launchDaemon, LOG_LEVEL } from './daemons.js';
import { rpcClient, waitFor, type RpcClient } from './rpc.js';
import type { AgentSpec, SiteOptions } from './site-options.js';

export { BIN, rpcClient, waitFor, type AgentSpec, type RpcClient, type SiteOptions };

/**
 * A whole local site for end-to-end tests, made of the real binaries: nats-server
 * (JetStream), wattpack-scheduler, wattpack-agent processes with simulated hardware,
 * and the wattpack CLI.
 */

/** The node ids of a site's hollow fleet. */
export const fleetNodeIds = (nodes: number): string[] => Array.from({ length: nodes }, (_, i) => `hollow-${i + 1}`);

export const TWO_H100_NODES: AgentSpec[] = [
  { id: 'gpu-1', profile: 'h100x8', labels: 'rack=r1' },
  { id: 'gpu-2', profile: 'h100x8', labels: 'rack=r1' },
];

/** Whom jobs run as on a test site: the invoking user, or nobody (65534) when the tests run as root. */
export const JOB_USER = localJobUser();

/** A person of the site: a credential its CA issued, the CLI config holding it, and the clients that act as them. */
export interface Person {
  identity: Identity;
  /** The credential file an admin hands out (wattpack login <file>). */
  credentialFile: string;
  /** The CLI's config (WATTPACK_CONFIG) with that context current. */
  cliConfig: string;
  client: RpcClient;
}

export class LocalSite {
  /** Scheduler processes by id (s1, s2, ...). */
  readonly schedulers = new Map<string, ResultPromise>();
  readonly agents = new Map<string, ResultPromise>();
  /** Each scheduler's and agent's --metrics-addr (/metrics, /healthz, /readyz), by id. */
  readonly metricsAddr = new Map<string, string>();
  /** Each scheduler's --dashboard-addr (HTTPS, the web dashboard), by id. */
  readonly dashboardAddr = new Map<string, string>();
  private client?: SchedulerServiceClient;
  private readonly people = new Map<string, Person>();

  private constructor(
    /** Everything the site writes, its PKI included; removed when it stops. */
    readonly workDir: string,
    /** The site's CA and every component's credentials (security is on, as on a real site). */
    readonly trust: LocalSiteTrust,
    /** Every NATS server of the site (one, or a cluster). */
    readonly natsServers: LocalNatsServer[],
    /** host:port of each scheduler, in id order. */
    readonly listen: string[],
    private readonly opts: SiteOptions,
    /** Ports the scheduler hands out as MASTER_PORT: free ones here, so that sites of parallel tests do not meet. */
    private readonly rendezvousPorts: { from: number; to: number },
  ) {}

  /** What clients dial: every scheduler; only the leader listens. */
  get address(): string {
    return this.listen.length === 1 ? this.listen[0]! : `ipv4:${this.listen.join(',')}`;
  }

  /** The first scheduler: most sites have one. */
  get scheduler(): ResultPromise | undefined {
    return this.schedulers.get('s1');
  }

  get nats(): LocalNatsServer {
    return this.natsServers[0]!;
  }

  get natsUrl(): string {
    return this.natsServers.map((n) => n.url).join(',');
  }

  static async start(opts: SiteOptions = {}): Promise<LocalSite> {
    const agents = opts.agents ?? TWO_H100_NODES;
    const fleet = fleetNodeIds(opts.fleet?.nodes ?? 0);
    const workDir = mkdtempSync(join(tmpdir(), 'wattpack-e2e-'));
    const trust = await localSiteTrust(join(workDir, 'pki'), [...agents.map((a) => a.id), ...fleet]);
    const config = trust.natsConfig;
    const nats = opts.natsCluster
      ? (await startNatsCluster(3, { pki: trust.pki, credentials: loadCredentials(trust.schedulerCredentials) })).servers
      : [await startNatsServer(opts.insecure ? {} : { config })];
    const listen: string[] = [];
    for (let i = 0; i < (opts.schedulers ?? 1); i++) listen.push(`127.0.0.1:${await freePort()}`);
    const port = await freePort();
    const site = new LocalSite(workDir, trust, nats, listen, opts, { from: port, to: Math.min(port + 9, 65_535) });
    for (let i = 1; i <= listen.length; i++) {
      site.metricsAddr.set(`s${i}`, `127.0.0.1:${await freePort()}`);
      site.dashboardAddr.set(`s${i}`, `127.0.0.1:${await freePort()}`);
    }
    // The CLI finds the site's admin context here, as after `wattpack dev`.
    writeFileSync(site.cliConfig, stringify({ 'current-context': 'dev', contexts: [{ ...site.adminContext(), name: 'dev', scheduler: site.address }] }));
    for (let i = 1; i <= listen.length; i++) site.spawnScheduler(`s${i}`);
    await site.waitForLeader();
    for (const a of agents) await site.startAgent(a);
    if (opts.fleet) site.startFleet(fleet, opts.fleet);
    // A fleet registers its nodes a few at a time: half a second each on a loaded machine.
    await site.waitForNodes(agents.length + fleet.length, 90_000 + 500 * fleet.length);
    return site;
  }

  private credentialArgs(dir: string): string[] {
    return this.opts.insecure ? ['--insecure'] : ['--credentials', dir];
  }

  /** The site setting checkpointRoot: jobs' checkpoint directories are <this>/<job id>. */
  get checkpointRoot(): string {
    return join(this.workDir, 'checkpoints');
  }

  /** The CLI's config file (WATTPACK_CONFIG) for this site: the admin's context. */
  get cliConfig(): string {
    return join(this.workDir, 'cli-config.yaml');
  }

  /** The admin's CLI context: the site CA, a certificate of every team, its key. */
  adminContext(): { name: string; ca: string; cert: string; key: string } {
    return (parse(readFileSync(this.trust.adminContext, 'utf8')) as { contexts: { name: string; ca: string; cert: string; key: string }[] }).contexts[0]!;
  }

  adminCredentials() {
    const ctx = this.adminContext();
    return grpcChannelCredentials({ insecure: false, caPem: ctx.ca, certPem: ctx.cert, keyPem: ctx.key, identity: identityOf(ctx.cert) });
  }

  /** `env` adds to the scheduler's environment (WATTPACK_CRASH_AT for crash tests). */
  spawnScheduler(id: string, env: Record<string, string> = {}): void {
    const listen = this.listen[Number(id.slice(1)) - 1]!;
    const args = ['--id', id, '--listen', listen, '--nats', this.natsUrl, ...this.credentialArgs(this.trust.schedulerCredentials), '--log-level', LOG_LEVEL, '--metrics-addr', this.metricsAddr.get(id)!, '--dashboard-addr', this.dashboardAddr.get(id)!, '--dashboard-sample-s', '1'];
    args.push('--state-dir', this.stateDir(id));
    if (this.opts.accountingDb) args.push('--accounting-db', this.opts.accountingDb);
    if (this.opts.natsCluster) args.push('--nats-replicas', '3');
    if (this.opts.capMw !== undefined) args.push('--cap-mw', String(this.opts.capMw));
    // Jobs never run as root: every owner maps to JOB_USER unless the test maps users itself.
    const file = join(this.workDir, 'site.json');
    // Checkpoints on "site storage": one directory every agent of this machine shares.
    chmodSync(this.workDir, 0o711);
    const storage = { checkpointRoot: this.checkpointRoot, rendezvousPorts: this.rendezvousPorts };
    writeFileSync(file, JSON.stringify({ users: { [ANY_USER]: JOB_USER }, ...storage, ...this.opts.site }));
    args.push('--site', file);
    this.schedulers.set(id, launchDaemon('scheduler', id, args, env));
  }

  /** A scheduler's own folder (--state-dir): its embedded accounting store. */
  stateDir(id = 's1'): string {
    return join(this.workDir, `state-${id}`);
  }

  async waitForLeader(timeoutMs = 60_000): Promise<void> {
    await waitFor('a scheduler to lead and serve', async () => (await this.rpc<Site__Output>('GetSite', {})) !== undefined, timeoutMs);
  }

  /** (Re)starts the single scheduler and waits until it serves. */
  async startScheduler(env: Record<string, string> = {}): Promise<void> {
    this.spawnScheduler('s1', env);
    await this.waitForLeader();
  }

  /** The site PKI as its folder holds it now (the CLI may have changed it: wattpack admin revoke --pki). */
  pki(): SitePki {
    this.trust.pki = SitePki.open(this.trust.pki.dir);
    return this.trust.pki;
  }

  /**
   * A person of this site, issued once per name by the site CA as `wattpack admin issue
   * user` does, with an RPC client and a CLI config that act as them.
   */
  async person(name: string, role: Role, teams: string[]): Promise<Person> {
    const known = this.people.get(name);
    if (known) return known;
    const { path } = await this.pki().issue({ name, role, teams });
    const ctx = (parse(readFileSync(path, 'utf8')) as { contexts: { name: string; ca: string; cert: string; key: string }[] }).contexts[0]!;
    const cliConfig = join(this.workDir, `cli-${name}.yaml`);
    writeFileSync(cliConfig, stringify({ 'current-context': ctx.name, contexts: [{ ...ctx, scheduler: this.address }] }));
    const identity = identityOf(ctx.cert);
    const client = rpcClient(this.address, grpcChannelCredentials({ insecure: false, caPem: ctx.ca, certPem: ctx.cert, keyPem: ctx.key, identity }));
    const person = { identity, credentialFile: path, cliConfig, client };
    this.people.set(name, person);
    return person;
  }

  /** An RPC client acting as a newly issued person. */
  async clientAs(name: string, role: Role, teams: string[]): Promise<RpcClient> {
    return (await this.person(name, role, teams)).client;
  }

  /** The real CLI acting as a newly issued person. */
  async cliAs(name: string, role: Role, teams: string[]): Promise<(args: string[], input?: string) => ReturnType<LocalSite['cli']>> {
    const { cliConfig } = await this.person(name, role, teams);
    return (args, input) => this.cli(args, input, cliConfig);
  }

  /** Starts an agent, issuing its node credentials first if it has none (nats-server reloads to admit it). */
  async startAgent(a: AgentSpec): Promise<void> {
    if (!this.pki().entries().some((e) => e.role === 'node' && e.name === a.id && !e.revokedAt)) {
      await this.trust.pki.issue({ name: a.id, role: 'node', teams: [] });
      await Promise.all(this.natsServers.map((n) => n.reload()));
    }
    const who = this.opts.insecure ? ['--insecure', '--node-id', a.id] : ['--credentials', this.trust.nodeCredentials(a.id)];
    if (!this.metricsAddr.has(a.id)) this.metricsAddr.set(a.id, `127.0.0.1:${await freePort()}`);
    const args = ['--scheduler', this.listen.join(','), '--nats', this.natsUrl, ...who, '--simulate', a.profile, '--runtime', a.runtime ?? 'process', '--address', '127.0.0.1', '--log-level', LOG_LEVEL, '--metrics-addr', this.metricsAddr.get(a.id)!];
    if (a.labels) args.push('--labels', a.labels);
    if (a.simulateBmc) args.push('--simulate-bmc', a.simulateBmc);
    this.agents.set(a.id, launchDaemon('agent', a.id, args));
  }

  /** The hollow nodes' process: a folder of links to their credentials, as `wattpack dev` makes. */
  private startFleet(ids: string[], fleet: NonNullable<SiteOptions['fleet']>): void {
    const dir = fleetFolder(join(this.workDir, 'fleet'), ids, (id) => this.trust.nodeCredentials(id));
    const args = ['--scheduler', this.listen.join(','), '--nats', this.natsUrl, '--fleet', dir, '--simulate', fleet.profile, '--runtime', 'process', '--address', '127.0.0.1', '--log-level', LOG_LEVEL];
    if (fleet.labels) args.push('--labels', fleet.labels);
    this.agents.set('fleet', launchDaemon('agent', 'fleet', args));
  }

  /** Agents start slowly on a loaded machine: longer than an agent's wait for an unanswered registration (60 s) and its retry. */
  async waitForNodes(count: number, timeoutMs = 90_000): Promise<void> {
    const failed = await waitFor(`${count} nodes READY`, async () => {
      const died = failedDaemons(this.agents); // a dead agent never registers: fail at once, with its log
      if (died) return died;
      const { nodes } = await this.rpc<{ nodes: Node__Output[] }>('ListNodes', {});
      return nodes.filter((n) => n.status === 'READY' || n.power === 'off').length >= count ? '' : undefined; // or off already: power saving
    }, timeoutMs);
    if (failed) throw new Error(`an agent ended before ${count} nodes were READY:\n${failed}`);
  }

  async killAgent(id: string): Promise<void> {
    this.agents.get(id)?.kill('SIGKILL');
    await this.agents.get(id);
  }

  /** SIGSTOP / SIGCONT: an agent cut off without its process dying. */
  pauseAgent(id: string, paused: boolean): void {
    this.agents.get(id)?.kill(paused ? 'SIGSTOP' : 'SIGCONT');
  }

  /** Stops nats-server and starts it again on the same port and store. */
  async restartNats(downMs = 1000): Promise<void> {
    const { port, storeDir } = this.nats;
    await this.nats.stop();
    await new Promise((r) => setTimeout(r, downMs));
    this.natsServers[0] = await startNatsServer({ port, storeDir, config: this.trust.natsConfig });
  }

  /** Kills one server of a NATS cluster for good. */
  async killNatsServer(index: number): Promise<void> {
    await this.natsServers[index]!.stop({ signal: 'SIGKILL' });
  }

  /** Kills a scheduler with SIGKILL (no shutdown code runs), or stops it as systemd does (SIGTERM). */
  async killSchedulerById(id: string, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    this.schedulers.get(id)?.kill(signal);
    await this.schedulers.get(id);
    this.schedulers.delete(id);
    this.client?.close();
    this.client = undefined;
  }

  async killScheduler(): Promise<void> {
    await this.killSchedulerById('s1');
  }

  /** Waits for a scheduler that ends by itself (a crash point), and how it ended. */
  async schedulerExited(id = 's1'): Promise<{ signal?: string; exitCode?: number }> {
    const result = await this.schedulers.get(id);
    this.schedulers.delete(id);
    this.client?.close();
    this.client = undefined;
    return { ...(result?.signal ? { signal: result.signal } : {}), ...(result?.exitCode !== undefined ? { exitCode: result.exitCode } : {}) };
  }

  rpc<T>(method: string, request: object): Promise<T> {
    if (!this.client) {
      const Client = loadProto().wattpack.v1.SchedulerService;
      const credentials = this.opts.insecure ? grpcChannelCredentials(INSECURE) : this.adminCredentials();
      this.client = new Client(this.address, credentials) as unknown as SchedulerServiceClient;
    }
    const client = this.client as unknown as Record<string, (req: object, opts: object, cb: (err: Error | null, res: T) => void) => void>;
    return new Promise((resolve, reject) =>
      client[method]!.call(this.client, request, { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }

  /** GET on a daemon's metrics listener (/metrics, /healthz, /readyz): its status and body. */
  async observe(id: string, path: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`http://${this.metricsAddr.get(id)}${path}`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: await res.text() };
  }

  job(id: string): Promise<Job__Output> {
    return this.rpc<Job__Output>('GetJob', { id });
  }

  async waitForState(id: string, states: string[], timeoutMs = 20_000): Promise<Job__Output> {
    let seen: Job__Output | undefined;
    try {
      return await waitFor(`job ${id} to be ${states.join('|')}`, async () => {
        seen = await this.job(id);
        return states.includes(seen.state) ? seen : undefined;
      }, timeoutMs);
    } catch (err) {
      // What it was instead says why: still PENDING (and its reason), STARTING, ended.
      throw new Error(`${(err as Error).message}; it was ${seen ? `${seen.state} (${seen.reason || 'no reason'}), attempt ${seen.attempt}` : 'never seen'}`);
    }
  }

  /** A new directory under workDir that jobs (running as JOB_USER) may write to. */
  jobDir(name: string): string {
    chmodSync(this.workDir, 0o711);
    const dir = join(this.workDir, name);
    mkdirSync(dir);
    chownSync(dir, JOB_USER.uid, JOB_USER.gid);
    return dir;
  }

  /** Runs the real CLI against this site, as its admin (or as whom `config` names: see person), with `env` added to its environment. */
  cli(args: string[], input?: string, config = this.cliConfig, env: Record<string, string> = {}) {
    return execa(process.execPath, [BIN.cli, '--scheduler', this.address, ...(this.opts.insecure ? ['--insecure'] : []), ...args], {
      reject: false,
      ...(input ? { input } : {}),
      env: { ...env, WATTPACK_DEV_DIR: join(this.workDir, 'dev'), WATTPACK_CONFIG: config },
    });
  }

  async stop(): Promise<void> {
    this.client?.close();
    for (const p of this.people.values()) p.client.close();
    for (const a of this.agents.values()) a.kill('SIGCONT'), a.kill('SIGTERM');
    await Promise.all([...this.agents.values()]);
    for (const s of this.schedulers.values()) s.kill('SIGTERM');
    await Promise.all([...this.schedulers.values()]);
    await Promise.all(this.natsServers.map((n) => n.stop({ removeStore: true })));
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** One local site for a whole test file: started before its tests, stopped after them. */
export function useLocalSite(opts: SiteOptions = {}): () => LocalSite {
  let site: LocalSite | undefined;
  beforeAll(async () => {
    site = await LocalSite.start(opts);
  }, 120_000 + 500 * (opts.fleet?.nodes ?? 0));
  afterAll(async () => {
    await site?.stop();
  });
  return () => site!;
}
