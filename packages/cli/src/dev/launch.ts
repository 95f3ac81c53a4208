import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isSea } from 'node:sea';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { ANY_USER, freePort, localJobUser, localSiteTrust, natsStorageArgs, readYamlFile, WattpackError } from '@wattpack/common';
import { connectScheduler, type SchedulerClient } from '../client.js';
import { DASHBOARD_PORT_OFFSET } from '../commands/dashboard.js';
import { contextCredentials, parseConfig, saveContexts } from '../config-file.js';
import type { AgentPlan } from './agents.js';
import { DEV_METER_PRESET, type MeterBase } from './meter.js';
import { devPowerSaving, writeDevBmcs, type DevBmcs } from './bmcs.js';
import { processStartTime, stopSite, writeDevState, type DevProcess, type DevState } from './state.js';

const NATS_START_MS = 10_000;
const READY_MS = 30_000;

export interface LaunchOptions {
  stateDir: string;
  /** Scheduler port on 127.0.0.1. */
  port: number;
  /** An existing NATS server; without it, dev starts nats-server itself. */
  nats?: string;
  agents: AgentPlan[];
  site?: string;
  capMw?: number;
  logLevel?: string;
  /** Children outlive this process; otherwise they are stopped with it. */
  detached: boolean;
  /** Where the CLI's config file is found (WATTPACK_CONFIG, HOME): dev writes its context there. */
  env: NodeJS.ProcessEnv;
  /** A simulated facility meter the scheduler reads (docs/metering.md). */
  meter?: { errorFraction: number; base: MeterBase };
  /** --power-saving: idle servers powered off after this many seconds (docs/scheduling.md). */
  powerSavingAfterS?: number;
}

export interface RunningChild extends DevProcess {
  child: ChildProcess;
}

export interface LaunchedSite {
  state: DevState;
  children: RunningChild[];
}

const require = createRequire(import.meta.url);

/** A workspace package's bin. Its exports map hides package.json, so look along the resolver's paths. */
function packageBin(pkg: string, bin: string): string {
  for (const base of require.resolve.paths(pkg) ?? []) {
    const file = join(base, pkg, 'bin', bin);
    if (existsSync(file)) return file;
  }
  throw new WattpackError('FAILED_PRECONDITION', `cannot find ${pkg}: run pnpm install and pnpm build`);
}

/**
 * How to start a wattpack program: its package's bin with this Node, or, when this is the
 * single executable (pnpm package), the executable of that name beside it.
 */
function programCommand(pkg: string, bin: string): string[] {
  if (!isSea()) return [process.execPath, packageBin(pkg, `${bin}.js`)];
  const beside = join(dirname(process.execPath), bin);
  if (!existsSync(beside)) throw new WattpackError('FAILED_PRECONDITION', `cannot find ${beside}: put the ${bin} executable beside ${process.execPath}`);
  return [beside];
}

const hasExited = (c: RunningChild) => c.child.exitCode !== null || c.child.signalCode !== null;

function logTail(file: string, lines = 5): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Describes a child that exited, with the end of its log: that is usually the reason. */
export function exitedMessage(c: RunningChild): string {
  const how = c.child.exitCode !== null ? `with code ${c.child.exitCode}` : `on ${c.child.signalCode}`;
  return `${c.name} exited ${how}; its log is ${c.log}:\n${logTail(c.log)}`;
}

async function spawnLogged(proc: Omit<DevProcess, 'pid'>, file: string, args: string[], detached: boolean, env?: NodeJS.ProcessEnv): Promise<RunningChild> {
  const fd = openSync(proc.log, 'w');
  try {
    // Its own process group: a terminal's Ctrl-C reaches only `wattpack dev`, which then stops the children in order.
    const child = spawn(file, args, { detached: true, stdio: ['ignore', fd, fd], ...(env ? { env: { ...process.env, ...env } } : {}) });
    if (child.pid === undefined) {
      const [err] = (await once(child, 'error')) as [NodeJS.ErrnoException];
      const hint = err.code === 'ENOENT' ? `${file} not found on PATH: install it (Debian: apt-get install nats-server) or pass --nats <url>` : err.message;
      throw new WattpackError('FAILED_PRECONDITION', `cannot start ${proc.name}: ${hint}`);
    }
    if (detached) child.unref();
    return { ...proc, pid: child.pid, startTime: processStartTime(child.pid), child };
  } finally {
    closeSync(fd);
  }
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      done(true);
    });
    socket.on('error', () => done(false));
  });

/** Polls `check` (true, or what is still missing) until it passes; fails early when a child exits. */
async function waitUntil(children: RunningChild[], timeoutMs: number, check: () => Promise<true | string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = children.find(hasExited);
    if (dead) throw new WattpackError('FAILED_PRECONDITION', exitedMessage(dead));
    const result = await check();
    if (result === true) return;
    if (Date.now() > deadline) throw new WattpackError('FAILED_PRECONDITION', `${result} after ${timeoutMs / 1000}s`);
    await sleep(200);
  }
}

/** The name of the CLI context `wattpack dev` writes, and makes current. */
export const DEV_CONTEXT = 'dev';

/**
 * The scheduler's site file: the given one (if any) with, unless it maps users itself,
 * every job run as the invoking user, or as nobody when that is root (docs/security.md),
 * and unless it names one, a checkpoint root every agent of this machine shares: in the
 * temporary directory, which the jobs' user can reach (the state dir may be in a home
 * only its owner may enter).
 */
export function writeDevSite(stateDir: string, site?: string, meterPort?: number, power?: { bmcs: DevBmcs; suspendAfterS?: number }): string {
  const given = site ? readYamlFile(resolve(site)) : {};
  if (given !== null && (typeof given !== 'object' || Array.isArray(given))) throw new WattpackError('INVALID_ARGUMENT', `${site}: expected a mapping of settings`);
  const file = join(stateDir, 'site.json');
  const checkpointRoot = join(tmpdir(), `wattpack-dev-checkpoints-${process.getuid?.() ?? 0}`);
  const meter = meterPort ? { meter: { host: '127.0.0.1', port: meterPort, preset: DEV_METER_PRESET } } : {};
  const givenPower = (given as { powerSaving?: unknown } | null)?.powerSaving;
  const powerSaving = power?.bmcs.size ? { powerSaving: devPowerSaving(givenPower, power.bmcs, power.suspendAfterS) } : {};
  writeFileSync(file, JSON.stringify({ users: { [ANY_USER]: localJobUser() }, checkpointRoot, ...given, ...meter, ...powerSaving }));
  return file;
}

/**
 * Starts nats-server (unless given one), the scheduler and the agents, writes dev.json,
 * and waits until every agent's node is READY. On failure it stops what it started.
 * Security is on: a site CA in the state dir (kept across runs), credentials for every
 * component, nats-server with TLS and one user per component, and a CLI context "dev"
 * (an admin of every team) so that the CLI works as it is.
 */
export async function launchSite(o: LaunchOptions): Promise<LaunchedSite> {
  const logDir = join(o.stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const address = `127.0.0.1:${o.port}`;
  const children: RunningChild[] = [];
  let natsUrl = o.nats ?? '';
  let natsStoreDir: string | undefined;
  const startedAt = new Date().toISOString();
  // The dashboard beside the scheduler, where `wattpack dashboard` looks (7780 beside 7700);
  // metrics on free ports, for the scheduler and each agent process of one node (not fleets).
  const dashboard = `127.0.0.1:${o.port + DASHBOARD_PORT_OFFSET}`;
  const metrics: Record<string, string> = { scheduler: `127.0.0.1:${await freePort()}` };
  const state = (): DevState => ({
    startedAt,
    detached: o.detached,
    natsUrl,
    scheduler: address,
    logDir,
    ...(natsStoreDir ? { natsStoreDir } : {}),
    nodes: o.agents.map((a) => a.nodeId),
    processes: children.map(({ child: _child, ...p }) => p),
    dashboard,
    metrics,
  });
  const logOf = (name: string) => join(logDir, `${name}.log`);
  const trust = await localSiteTrust(join(o.stateDir, 'pki'), o.agents.map((a) => a.nodeId));
  const admin = parseConfig(readFileSync(trust.adminContext, 'utf8'), trust.adminContext).contexts[0]!;
  const context = { ...admin, name: DEV_CONTEXT, scheduler: address };
  const client = connectScheduler(address, contextCredentials(admin));
  try {
    if (!o.nats) {
      const port = await freePort();
      natsStoreDir = mkdtempSync(join(tmpdir(), 'wattpack-nats-'));
      const args = [...natsStorageArgs(natsStoreDir, trust.natsConfig), '-a', '127.0.0.1', '-p', String(port)];
      children.push(await spawnLogged({ role: 'nats', name: 'nats-server', log: logOf('nats-server') }, 'nats-server', args, o.detached));
      natsUrl = `nats://127.0.0.1:${port}`;
      await waitUntil(children, NATS_START_MS, async () => (await accepts(port)) || `nats-server is not listening on ${port}`);
    }
    const bmcs = await writeDevBmcs(o.stateDir, agentProcesses(o.agents), [o.port, o.port + DASHBOARD_PORT_OFFSET, ...Object.values(metrics).map(portOf)]);
    const launch: Launch = { o, trust, address, natsUrl, metrics, logOf, children, bmcs };
    const meterPort = await spawnScheduler(launch, dashboard);
    await spawnAgents(launch);
    if (o.meter && meterPort) {
      // This CLI again: the single binary itself, or node with its script.
      const self = isSea() ? [] : [fileURLToPath(new URL('../../bin/wattpack.js', import.meta.url))];
      const args = [...self, '--scheduler', address, '--context', admin.name, 'dev', 'meter', '--listen', `127.0.0.1:${meterPort}`, '--error', String(o.meter.errorFraction * 100), '--base', o.meter.base];
      children.push(await spawnLogged({ role: 'meter', name: 'meter', log: logOf('meter') }, process.execPath, args, o.detached, { WATTPACK_CONFIG: trust.adminContext }));
    }
    // Written before waiting, so that `dev down` can clean up even if this process dies now.
    writeDevState(o.stateDir, state());
    await untilReady(client, o.agents, children, address, logDir);
    saveContexts(o.env, [context]);
    return { state: state(), children };
  } catch (err) {
    await stopSite(o.stateDir, state());
    throw err;
  } finally {
    client.close();
  }
}

/** Until every agent's node is READY; a site-sized fleet registers a few hundred nodes a second on this machine. */
function untilReady(client: SchedulerClient, agents: readonly AgentPlan[], children: RunningChild[], address: string, logDir: string): Promise<void> {
  return waitUntil(children, READY_MS + 100 * agents.length, async () => {
    const nodes = await client.listNodes().catch(() => undefined);
    if (!nodes) return `the scheduler did not answer on ${address} (logs: ${logDir})`;
    const waiting = agents.filter((a) => nodes.find((n) => n.id === a.nodeId)?.status !== 'READY');
    return waiting.length === 0 || `nodes not READY: ${waiting.map((a) => a.nodeId).join(', ')} (logs: ${logDir})`;
  });
}

/** What starting a site's processes shares: the options, the trust, the addresses, the processes started so far. */
interface Launch {
  o: LaunchOptions;
  trust: Awaited<ReturnType<typeof localSiteTrust>>;
  address: string;
  natsUrl: string;
  metrics: Record<string, string>;
  logOf(name: string): string;
  children: RunningChild[];
  /** The GPU nodes' simulated BMCs, which the scheduler powers them off and on through. */
  bmcs: DevBmcs;
}

/** The scheduler, with the dev site's settings (and the simulated meter's port, returned, when asked for one). */
async function spawnScheduler({ o, trust, address, natsUrl, metrics, logOf, children, bmcs }: Launch, dashboard: string): Promise<number | undefined> {
  const [schedulerFile, ...schedulerArgs] = programCommand('@wattpack/scheduler', 'wattpack-scheduler');
  schedulerArgs.push('--listen', address, '--nats', natsUrl, '--credentials', trust.schedulerCredentials, '--metrics-addr', metrics.scheduler!, '--dashboard-addr', dashboard);
  schedulerArgs.push('--state-dir', join(o.stateDir, 'scheduler'));
  const meterPort = o.meter ? await freePort() : undefined;
  schedulerArgs.push('--site', writeDevSite(o.stateDir, o.site, meterPort, { bmcs, ...(o.powerSavingAfterS !== undefined ? { suspendAfterS: o.powerSavingAfterS } : {}) }));
  if (o.capMw !== undefined) schedulerArgs.push('--cap-mw', String(o.capMw));
  if (o.logLevel) schedulerArgs.push('--log-level', o.logLevel);
  children.push(await spawnLogged({ role: 'scheduler', name: 'scheduler', log: logOf('scheduler') }, schedulerFile!, schedulerArgs, o.detached));
  return meterPort;
}

/** The agents: a process per node, or one hollow-node fleet process per kind of many nodes. */
async function spawnAgents({ o, trust, address, natsUrl, metrics, logOf, children, bmcs }: Launch): Promise<void> {
  const [agentFile, ...agentArgs] = programCommand('@wattpack/agent', 'wattpack-agent');
  for (const group of agentProcesses(o.agents)) {
    const first = group[0]!;
    const labels = Object.entries(first.labels).map(([k, v]) => `${k}=${v}`).join(',');
    const common = [...agentArgs, '--scheduler', address, '--nats', natsUrl, '--simulate', first.profile, '--runtime', 'process', '--address', '127.0.0.1', '--labels', labels];
    if (group.length === 1) {
      const metricsAddr = `127.0.0.1:${await freePort()}`;
      metrics[first.nodeId] = metricsAddr;
      const args = [...common, '--node-id', first.nodeId, '--credentials', trust.nodeCredentials(first.nodeId), '--metrics-addr', metricsAddr];
      const bmc = bmcs.get(first.nodeId);
      if (bmc) args.push('--simulate-bmc', bmc.file);
      children.push(await spawnLogged({ role: 'agent', name: first.nodeId, log: logOf(first.nodeId) }, agentFile!, args, o.detached));
    } else {
      const name = `fleet-${first.nodeId}-${group.length}`;
      const dir = fleetDir(join(o.stateDir, 'fleets', name), group.map((a) => [a.nodeId, trust.nodeCredentials(a.nodeId)]));
      children.push(await spawnLogged({ role: 'agent', name, log: logOf(name) }, agentFile!, [...common, '--fleet', dir], o.detached));
    }
  }
}

/** Nodes of a kind beyond this run as one hollow-node process (wattpack-agent --fleet), not a process each. */
const FLEET_FROM = 9;

/** The agent processes of a site: a node alone, or a fleet of nodes with one profile and labels. */
export function agentProcesses(agents: readonly AgentPlan[]): AgentPlan[][] {
  const kinds = new Map<string, AgentPlan[]>();
  for (const a of agents) {
    const key = `${a.profile} ${JSON.stringify(a.labels)}`;
    (kinds.get(key) ?? kinds.set(key, []).get(key)!).push(a);
  }
  return [...kinds.values()].flatMap((group) => (group.length >= FLEET_FROM ? [group] : group.map((a) => [a])));
}

/** A fleet folder: a link per node to its credentials, so one process runs exactly these nodes. */
function fleetDir(dir: string, members: [nodeId: string, credentials: string][]): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [nodeId, credentials] of members) symlinkSync(credentials, join(dir, nodeId));
  return dir;
}

const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));
