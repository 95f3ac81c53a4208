import { WattpackError } from '../errors.js';
import { z } from 'zod';

/** Node ids are NATS subject tokens, so keep them plain. */
export const nodeIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1-64 letters, digits, "_" or "-"');

export interface GpuInfo {
  index: number;
  uuid: string;
  model: string;
  memoryMib: number;
  minPowerLimitW: number;
  maxPowerLimitW: number;
  defaultPowerLimitW: number;
}

export interface MinerInfo {
  id: string;
  model: string;
  endpoint: string;
  nameplatePowerW: number;
  nameplateHashrateThs: number;
  firmware: string;
}

export interface HostInfo {
  hostname: string;
  /** Where other nodes reach this one (a job's ranks meet at rank 0's): an IP address or name; empty: the hostname. */
  address?: string;
  cpuCores: number;
  memoryMib: number;
  os: string;
  idlePowerW: number;
  busyPowerW: number;
}

export interface NodeInventory {
  gpus: GpuInfo[];
  miners: MinerInfo[];
  host: HostInfo;
}

export type Health = 'HEALTH_UNSPECIFIED' | 'HEALTH_OK' | 'HEALTH_DEGRADED' | 'HEALTH_FAILED';
export type MinerRunState =
  | 'MINER_RUN_STATE_UNSPECIFIED'
  | 'MINER_RUN_STATE_MINING'
  | 'MINER_RUN_STATE_CURTAILED'
  | 'MINER_RUN_STATE_OFFLINE'
  | 'MINER_RUN_STATE_ERROR';

/** Telemetry; an absent number is unknown, never 0. */
export interface GpuState {
  index: number;
  powerDrawW?: number;
  enforcedLimitW?: number;
  utilizationPct?: number;
  temperatureC?: number;
  memoryUsedMib?: number;
  health: Health;
  healthReason: string;
  /** Held back by the software power cap: it would draw more than its limit allows. */
  powerCapped?: boolean;
}

export interface MinerState {
  id: string;
  hashrateThs?: number;
  powerW?: number;
  state: MinerRunState;
  reason: string;
}

export interface AttemptState {
  jobId: string;
  attemptId: string;
  gpuIndices: number[];
  startedAtMs: number;
  /** Power over the attempt's GPUs at this report (absent: no telemetry): see node.proto. */
  maxDrawW?: number;
  enforcedLimitW?: number;
  powerCapped?: boolean;
}

export interface EndedAttempt {
  jobId: string;
  attemptId: string;
  failed: boolean;
  exitCode: number;
  signal: string;
  reason: string;
  atMs: number;
}

export interface NodeReport {
  timestampMs: number;
  gpus: GpuState[];
  miners: MinerState[];
  attempts: AttemptState[];
  /** Attempts that ended lately (see node.proto). */
  ended?: EndedAttempt[];
  /** inputPowerW: the server's input power from its BMC (GPUs included), powerSource where it came from, inputPowerAtMs when it was read. */
  host?: { cpuLoadPct?: number; memoryUsedMib?: number; inputPowerW?: number; powerSource?: string; inputPowerAtMs?: number };
}

export type NodeStatus = 'READY' | 'NOT_READY';

/**
 * A cordoned node takes no new work. DRAINING: its jobs are being moved off (checkpoint,
 * requeue) and its miners curtailed; DRAINED: nothing of it draws for work any more.
 */
export interface NodeDrain {
  state: 'CORDONED' | 'DRAINING' | 'DRAINED';
  reason: string;
  by: string;
  at: number;
  deadlineAt?: number;
  migrate: boolean;
  force: boolean;
  automatic: boolean;
}

/**
 * A server's power under power saving (docs/scheduling.md, "Power saving"), with Slurm's
 * state suffixes: on; suspending (idle%: its BMC told to shut it down); off (idle~);
 * resuming (idle#: powered on, its agent not back yet); down (not back within
 * resumeTimeout, or its BMC refused: Slurm's DOWN, with the reason).
 */
export type NodePowerState = 'on' | 'suspending' | 'off' | 'resuming' | 'down';

export interface NodePowerRecord {
  state: NodePowerState;
  /** Since when (ms). */
  since: number;
  /** Why it is in this state, or what went wrong with its BMC (shown with the node). */
  reason: string;
  /** Who asked: "wattpack" (the planner) or an operator's name. */
  by: string;
}

/** A node as the scheduler stores it (KV bucket wp-nodes, key = id). */
export interface NodeRecord {
  id: string;
  labels: Record<string, string>;
  inventory: NodeInventory;
  status: NodeStatus;
  reason: string;
  registeredAt: number;
  lastSeenAt: number;
  drain?: NodeDrain;
  /** Absent: on. Stored so that a new leader knows which servers are off (not lost). */
  power?: NodePowerRecord;
}

/** "rack=r1,zone=a" -> { rack: "r1", zone: "a" }: node labels, and label selectors. */
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

export function checkLabelKey(key: string, pair = key): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/.test(key)) {
    throw new WattpackError('INVALID_ARGUMENT', `label "${pair}": use key=value, with a key of letters, digits, ".", "_", "/" or "-"`);
  }
}
