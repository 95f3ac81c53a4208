import { accessSync, constants as fsConstants } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { checkLabelKey, INSECURE, loadCredentials, nodeIdSchema, parseLabels, schedulerTarget, WattpackError, type Credentials } from '@wattpack/common/daemon';

export { parseLabels };
import { parseProfile, PROFILE_HELP, type SimulatedProfile } from './collectors/simulated/profile.js';
import { resolveBmc, type BmcChoice, type BmcFlags } from './collectors/bmc/config.js';
import { loadSimulatedBmc, type SimulatedBmcConfig } from './collectors/bmc/simulated-bmc.js';

export const DEFAULTS = {
  scheduler: '127.0.0.1:7700',
  nats: 'nats://127.0.0.1:4222',
  runtime: 'process',
  reportIntervalMs: 1000,
} as const;

export const RUNTIMES = ['process', 'podman', 'docker'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** auto: nvidia when nvidia-smi is on PATH, else none. */
export const GPU_SOURCES = ['auto', 'nvidia', 'none'] as const;
export type GpuSource = (typeof GPU_SOURCES)[number];

/** What startAgent accepts; everything has a default, but the node needs devices (see resolveHardware). */
export interface AgentOptions extends BmcFlags {
  /** Default: this host's name with anything but letters, digits, "_" and "-" replaced by "-". */
  nodeId?: string;
  /** host:port of the scheduler's gRPC NodeService. */
  scheduler?: string;
  /** NATS server URL(s), comma-separated. */
  nats?: string;
  /** Simulated hardware profile, e.g. "h100x8+s19xp:2"; excludes real GPUs and miners. */
  simulate?: string;
  /** With --simulate: the simulated BMC's file (collectors/bmc/simulated-bmc.ts); the scheduler can then power the server off and on. */
  simulateBmc?: string;
  /** Real GPUs: auto (default: nvidia when nvidia-smi is on PATH), nvidia or none. */
  gpus?: string;
  /** YAML file listing the miners this agent manages. */
  miners?: string;
  runtime?: string;
  labels?: Record<string, string>;
  /** Until the scheduler names its own interval at registration. */
  reportIntervalMs?: number;
  /** The node's credentials folder (wattpack admin issue node); its certificate names the node. */
  credentials?: string;
  /** No TLS and no credentials: debugging only. */
  insecure?: boolean;
  /** Where host-process jobs get their working directories (default: <tmpdir>/wattpack-jobs-<uid>). */
  jobRoot?: string;
  /** host:port for /metrics, /healthz and /readyz (plain HTTP); none when unset. */
  metricsAddr?: string;
  /** Where other nodes reach this one (a job's ranks meet at rank 0's); default: defaultAddress(). */
  address?: string;
}

/** Where the node's devices come from. */
export type HardwareChoice = { simulate: SimulatedProfile; bmc?: SimulatedBmcConfig } | { gpus: 'nvidia' | 'none'; miners?: string; bmc?: BmcChoice };

export interface ResolvedOptions {
  nodeId: string;
  scheduler: string;
  nats: string;
  hardware: HardwareChoice;
  runtime: RuntimeName;
  labels: Record<string, string>;
  reportIntervalMs: number;
  credentials: Credentials;
  jobRoot?: string;
  metricsAddr?: string;
  address: string;
}

const invalid = (message: string) => new WattpackError('INVALID_ARGUMENT', message);

export function defaultNodeId(): string {
  return hostname().replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64) || 'node';
}

/** The first IPv4 address of a non-loopback interface, else the host name: what a site's other nodes most likely reach. */
export function defaultAddress(): string {
  const v4 = Object.values(networkInterfaces()).flatMap((list) => list ?? []).find((i) => i.family === 'IPv4' && !i.internal);
  return v4?.address ?? hostname();
}

export function parseAddress(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/.test(value)) throw invalid(`address "${value}": give an IP address or host name other nodes reach this one at`);
  return value;
}

export function parseNodeId(value: string): string {
  if (!nodeIdSchema.safeParse(value).success) throw invalid(`node id "${value}": use 1-64 letters, digits, "_" or "-"`);
  return value;
}

export function parseRuntime(value: string): RuntimeName {
  const found = RUNTIMES.find((r) => r === value);
  if (!found) throw invalid(`runtime "${value}" is not available: use one of ${RUNTIMES.join(', ')}`);
  return found;
}

/** host:port, or every scheduler of the site comma-separated (only the leader listens). */
export function parseSchedulerAddress(value: string): string {
  try {
    return schedulerTarget(value);
  } catch (err) {
    throw invalid((err as Error).message);
  }
}

export function parseReportInterval(value: string | number): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 100 || ms > 60_000) throw invalid(`report interval "${value}": use whole milliseconds between 100 and 60000`);
  return ms;
}

export function parseGpuSource(value: string): GpuSource {
  const found = GPU_SOURCES.find((g) => g === value);
  if (!found) throw invalid(`--gpus "${value}": use one of ${GPU_SOURCES.join(', ')}`);
  return found;
}

/** Whether `name` is an executable on PATH. */
function isOnPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), fsConstants.X_OK);
      return dir !== '';
    } catch {
      return false;
    }
  });
}

/**
 * --simulate, or real devices: --gpus (auto finds nvidia-smi on PATH) and --miners. A node
 * with nothing to manage is a mistake, not a default.
 */
export function resolveHardware(opts: Pick<AgentOptions, 'simulate' | 'simulateBmc' | 'gpus' | 'miners' | keyof BmcFlags>): HardwareChoice {
  const gpus = parseGpuSource(opts.gpus ?? 'auto');
  if (opts.simulate) {
    if (gpus === 'nvidia' || opts.miners || opts.bmc) throw invalid('--simulate replaces real hardware (a simulated BMC included): leave out --gpus nvidia, --miners and --bmc');
    return { simulate: parseProfile(opts.simulate), ...(opts.simulateBmc ? { bmc: loadSimulatedBmc(opts.simulateBmc) } : {}) };
  }
  if (opts.simulateBmc) throw invalid('--simulate-bmc describes a simulated server\'s BMC: it needs --simulate');
  const real = gpus === 'nvidia' || (gpus === 'auto' && isOnPath('nvidia-smi')) ? 'nvidia' : 'none';
  if (real === 'none' && !opts.miners) {
    throw invalid(`nothing to manage: no nvidia-smi on PATH and no --miners file; pass --gpus nvidia, --miners <file>, or --simulate <profile> (profiles: ${PROFILE_HELP})`);
  }
  const bmc = resolveBmc(opts);
  return { gpus: real, ...(opts.miners ? { miners: opts.miners } : {}), ...(bmc ? { bmc } : {}) };
}

/** Validates and fills in defaults; errors name the option and the bad value. */
export function resolveOptions(opts: AgentOptions): ResolvedOptions {
  for (const [key, value] of Object.entries(opts.labels ?? {})) checkLabelKey(key, `${key}=${value}`);
  const credentials = resolveCredentials(opts);
  return {
    nodeId: credentials.insecure ? parseNodeId(opts.nodeId ?? defaultNodeId()) : credentials.identity.name,
    credentials,
    scheduler: parseSchedulerAddress(opts.scheduler ?? DEFAULTS.scheduler),
    nats: opts.nats ?? DEFAULTS.nats,
    hardware: resolveHardware(opts),
    runtime: parseRuntime(opts.runtime ?? DEFAULTS.runtime),
    labels: { ...opts.labels },
    reportIntervalMs: parseReportInterval(opts.reportIntervalMs ?? DEFAULTS.reportIntervalMs),
    ...(opts.jobRoot ? { jobRoot: resolve(opts.jobRoot) } : {}),
    ...(opts.metricsAddr ? { metricsAddr: opts.metricsAddr } : {}),
    address: parseAddress(opts.address ?? defaultAddress()),
  };
}

/** A node is who its certificate says: --node-id, if given, must agree with it. */
function resolveCredentials(opts: AgentOptions): Credentials {
  if (opts.insecure) return INSECURE;
  if (!opts.credentials) throw invalid('--credentials: give the node\'s credentials folder (wattpack admin issue node <id>), or --insecure to debug without security');
  const credentials = loadCredentials(opts.credentials);
  if (credentials.insecure) return credentials;
  const { identity } = credentials;
  if (identity.role !== 'node') throw invalid(`--credentials: ${opts.credentials} holds a ${identity.role} credential ("${identity.name}"), not a node's`);
  if (opts.nodeId && opts.nodeId !== identity.name) throw invalid(`--node-id "${opts.nodeId}" differs from the node its credentials name ("${identity.name}")`);
  return credentials;
}
