import { hostname } from 'node:os';
import { nodeIdSchema, WattpackError } from '@wattpack/shared';
import { parseProfile, PROFILE_HELP, type SimulatedProfile } from './collectors/simulated/profile.js';

export const DEFAULTS = {
  scheduler: '127.0.0.1:7700',
  nats: 'nats://127.0.0.1:4222',
  runtime: 'process',
  reportIntervalMs: 1000,
} as const;

export const RUNTIMES = ['process'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** What startAgent accepts; everything but `simulate` has a default. */
export interface AgentOptions {
  /** Default: this host's name with anything but letters, digits, "_" and "-" replaced by "-". */
  nodeId?: string;
  /** host:port of the scheduler's gRPC NodeService. */
  scheduler?: string;
  /** NATS server URL(s), comma-separated. */
  nats?: string;
  /** Simulated hardware profile, e.g. "h100x8+s19xp:2". Required until real collectors exist. */
  simulate?: string;
  runtime?: string;
  labels?: Record<string, string>;
  /** Until the scheduler names its own interval at registration. */
  reportIntervalMs?: number;
}

export interface ResolvedOptions {
  nodeId: string;
  scheduler: string;
  nats: string;
  profile: SimulatedProfile;
  runtime: RuntimeName;
  labels: Record<string, string>;
  reportIntervalMs: number;
}

const invalid = (message: string) => new WattpackError('INVALID_ARGUMENT', message);

export function defaultNodeId(): string {
  return hostname().replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64) || 'node';
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

export function parseSchedulerAddress(value: string): string {
  const m = /^(?:[^\s:/[\]]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(value);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) throw invalid(`scheduler address "${value}": use host:port, e.g. ${DEFAULTS.scheduler}`);
  return value;
}

/** "rack=r1,zone=a" -> { rack: "r1", zone: "a" }. */
export function parseLabels(value: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    checkLabelKey(key, pair);
    labels[key] = pair.slice(eq + 1).trim();
  }
  return labels;
}

function checkLabelKey(key: string, pair: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/.test(key)) throw invalid(`label "${pair}": use key=value, with a key of letters, digits, ".", "_", "/" or "-"`);
}

export function parseReportInterval(value: string | number): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 100 || ms > 60_000) throw invalid(`report interval "${value}": use whole milliseconds between 100 and 60000`);
  return ms;
}

export function missingSimulateMessage(): string {
  return `no collector for real hardware yet: pass --simulate <profile> (profiles: ${PROFILE_HELP})`;
}

/** Validates and fills in defaults; errors name the option and the bad value. */
export function resolveOptions(opts: AgentOptions): ResolvedOptions {
  if (!opts.simulate) throw invalid(missingSimulateMessage());
  for (const [key, value] of Object.entries(opts.labels ?? {})) checkLabelKey(key, `${key}=${value}`);
  return {
    nodeId: parseNodeId(opts.nodeId ?? defaultNodeId()),
    scheduler: parseSchedulerAddress(opts.scheduler ?? DEFAULTS.scheduler),
    nats: opts.nats ?? DEFAULTS.nats,
    profile: parseProfile(opts.simulate),
    runtime: parseRuntime(opts.runtime ?? DEFAULTS.runtime),
    labels: { ...opts.labels },
    reportIntervalMs: parseReportInterval(opts.reportIntervalMs ?? DEFAULTS.reportIntervalMs),
  };
}
