import type { MinerState } from '@wattpack/common';
import type { MinerAction } from '../../power/power-control.js';
import type { MinerReading } from './firmware/driver.js';
import type { Nameplate } from './models.js';
import { STANDBY_W } from './models.js';
import type { MinerError } from './parse-rpc.js';

export interface MinerFacts {
  id: string;
  nameplate: Pick<Nameplate, 'hashrateThs' | 'powerW'>;
  reading?: MinerReading;
  error?: MinerError;
  /** What the scheduler last asked for, and when; none means it never did. */
  request?: { action: MinerAction; atMs: number };
}

/** Hashing and drawing next to nothing: a curtailment that took effect. */
export function isOff(r: MinerReading, plate: MinerFacts['nameplate']): boolean {
  if (r.hashrateThs === undefined || r.powerW === undefined) return false;
  return r.hashrateThs <= Math.max(0.5, plate.hashrateThs * 0.02) && r.powerW <= Math.max(STANDBY_W * 4, plate.powerW * 0.05);
}

const describe = (r: MinerReading) => `${r.hashrateThs?.toFixed(1) ?? 'unknown'} TH/s, ${r.powerW !== undefined ? `${Math.round(r.powerW)} W${r.powerSource === 'estimated' ? ' (estimated)' : ''}` : 'power unknown'}`;

/**
 * What a miner reports to the scheduler. A curtailment counts only when telemetry shows
 * hashrate and power near zero, never on the firmware's word; until then the miner is
 * mining (with the pending request as the reason), and past `confirmMs` it is in error.
 * A miner that is off without being asked is reported curtailed, since it draws nothing.
 */
export function minerState(f: MinerFacts, nowMs: number, confirmMs: number): MinerState {
  const base = { id: f.id };
  if (f.error) {
    const offline = f.error.kind === 'refused' || f.error.kind === 'unreachable' || f.error.kind === 'timeout';
    return { ...base, state: offline ? 'MINER_RUN_STATE_OFFLINE' : 'MINER_RUN_STATE_ERROR', reason: f.error.message };
  }
  const r = f.reading;
  if (!r) return { ...base, state: 'MINER_RUN_STATE_OFFLINE', reason: 'not read yet' };
  const telemetry = {
    ...(r.hashrateThs !== undefined ? { hashrateThs: round1(r.hashrateThs) } : {}),
    ...(r.powerW !== undefined ? { powerW: Math.round(r.powerW) } : {}),
  };
  const off = isOff(r, f.nameplate);
  const waited = f.request ? nowMs - f.request.atMs : 0;
  const late = waited > confirmMs;
  const seconds = `${Math.round(waited / 1000)} s`;
  if (f.request?.action === 'curtail') {
    if (off) return { ...base, ...telemetry, state: 'MINER_RUN_STATE_CURTAILED', reason: 'curtailed' };
    if (late) return { ...base, ...telemetry, state: 'MINER_RUN_STATE_ERROR', reason: `curtailment not confirmed after ${seconds}: ${describe(r)}` };
    return { ...base, ...telemetry, state: 'MINER_RUN_STATE_MINING', reason: `curtailment requested ${seconds} ago, waiting for hashrate and power to fall (${describe(r)})` };
  }
  if (!off) return { ...base, ...telemetry, state: 'MINER_RUN_STATE_MINING', reason: '' };
  if (f.request?.action === 'resume') {
    if (late) return { ...base, ...telemetry, state: 'MINER_RUN_STATE_ERROR', reason: `resume not confirmed after ${seconds}: ${describe(r)}` };
    return { ...base, ...telemetry, state: 'MINER_RUN_STATE_CURTAILED', reason: `resume requested ${seconds} ago, waiting for hashrate` };
  }
  return { ...base, ...telemetry, state: 'MINER_RUN_STATE_CURTAILED', reason: `not hashing (${describe(r)}) though not curtailed by wattpack` };
}

/** Whether a request has taken effect, by telemetry. */
export function confirmed(f: MinerFacts): boolean {
  if (!f.request || !f.reading || f.error) return false;
  return isOff(f.reading, f.nameplate) === (f.request.action === 'curtail');
}

const round1 = (x: number) => Math.round(x * 10) / 10;
