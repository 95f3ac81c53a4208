import { nameplateOf, STANDBY_W } from './models.js';
import { firstOf, num, objectsOf, pick, type Json, type JsonObject } from './parse-rpc.js';

export const FIRMWARES = ['luxos', 'braiins', 'antminer', 'vnish', 'cgminer'] as const;
export type Firmware = (typeof FIRMWARES)[number];

export interface FirmwareInfo {
  firmware: Firmware;
  /** "Antminer S19 Pro"; VNish's " (Vnish 1.2.0-rc1)" suffix is removed. */
  model?: string;
  version?: string;
}

const str = (v: Json | undefined) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** Which firmware answered `version`: LUXminer, BOSminer, VNish (in Type), bmminer, or another cgminer. */
export function detectFirmware(version: JsonObject): FirmwareInfo {
  const v = firstOf(version.VERSION);
  const description = str(firstOf(version.STATUS)?.Description) ?? '';
  const type = str(v?.Type);
  const model = type?.replace(/\s*\(.*\)\s*$/, '');
  const base = (firmware: Firmware, ver: string | undefined): FirmwareInfo => ({ firmware, ...(model ? { model } : {}), ...(ver ? { version: ver } : {}) });
  if (v?.LUXminer !== undefined || /luxminer/i.test(description)) return base('luxos', str(v?.LUXminer));
  if (v?.BOSminer !== undefined || /bosminer|braiins/i.test(description)) return base('braiins', str(v?.BOSminer));
  if (type && /vnish/i.test(type)) return base('vnish', /vnish\s+([^)\s]+)/i.exec(type)?.[1]);
  if (v?.BMMiner !== undefined || (type && /antminer/i.test(type))) return base('antminer', str(v?.Miner) ?? str(v?.BMMiner));
  return base('cgminer', str(v?.CGMiner) ?? str(v?.Miner));
}

/** Hashrate in TH/s: SUMMARY "GHS 5s" (a number or a string), then "GHS av", then the stats or devs (MHS). */
export function hashrateThs(summary: JsonObject | undefined, stats?: JsonObject): number | undefined {
  const s = firstOf(summary?.SUMMARY);
  const ghs = num(pick(s, 'GHS 5s', 'GHS av')) ?? num(pick(statsBody(stats), 'GHS 5s', 'GHS av'));
  if (ghs !== undefined) return ghs / 1000;
  const mhs = num(pick(s, 'MHS 5s', 'MHS av'));
  return mhs === undefined ? undefined : mhs / 1e6;
}

/** The `stats` object with readings: the one after the version entry (it has an ID or GHS fields). */
function statsBody(stats: JsonObject | undefined): JsonObject | undefined {
  return objectsOf(stats?.STATS).find((o) => o.ID !== undefined || o['GHS 5s'] !== undefined);
}

export interface StatsReadings {
  model?: string;
  /** Hottest chip of each hash board that reports any (0 means no sensor). */
  chipTemperaturesC: number[];
  fansRpm: number[];
  /** Newer stock firmware: "chain_power": "3250 W"; VNish: chain_consumption1..n. */
  powerW?: number;
}

/** Numbers of a dash-joined reading: "2--1-20-22" -> [2, -1, 20, 22]. */
const dashNumbers = (v: Json | undefined): number[] =>
  typeof v === 'string' ? [...v.matchAll(/(?:^|-)(-?\d+(?:\.\d+)?)/g)].map((m) => Number(m[1])) : typeof v === 'number' ? [v] : [];

export function statsReadings(stats: JsonObject | undefined): StatsReadings {
  const body = statsBody(stats);
  const model = str(firstOf(stats?.STATS)?.Type)?.replace(/\s*\(.*\)\s*$/, '');
  const chipTemperaturesC: number[] = [];
  const fansRpm: number[] = [];
  let consumption = 0;
  for (const [key, value] of Object.entries(body ?? {})) {
    if (/^temp_chip\d+$/.test(key)) {
      const hottest = Math.max(...dashNumbers(value));
      if (hottest > 0) chipTemperaturesC.push(hottest);
    } else if (/^fan\d+$/.test(key) && num(value) !== undefined) fansRpm.push(num(value)!);
    else if (/^chain_consumption\d+$/.test(key)) consumption += num(value) ?? 0;
  }
  const powerW = num(body?.chain_power) ?? (consumption > 0 ? consumption : undefined);
  return { ...(model ? { model } : {}), chipTemperaturesC, fansRpm, ...(powerW !== undefined ? { powerW } : {}) };
}

/** LuxOS `power`: POWER[0].Watts. */
export const luxosPowerW = (power: JsonObject): number | undefined => num(firstOf(power.POWER)?.Watts);

/** LuxOS `logon`: SESSION[0].SessionID. */
export const luxosSessionId = (logon: JsonObject): string | undefined => str(firstOf(logon.SESSION)?.SessionID);

export interface LuxosProfile {
  name: string;
  watts?: number;
  hashrateThs?: number;
}

/** LuxOS `profiles`: name, watts and hashrate (TH/s) of each. */
export const luxosProfiles = (profiles: JsonObject): LuxosProfile[] =>
  objectsOf(profiles.PROFILES).flatMap((p) => {
    const name = str(p['Profile Name']);
    if (!name) return [];
    const watts = num(p.Watts);
    const hashrateThs = num(p.Hashrate);
    return [{ name, ...(watts !== undefined ? { watts } : {}), ...(hashrateThs !== undefined ? { hashrateThs } : {}) }];
  });

/**
 * Stock firmware has no power reading: the nameplate scaled by how much of its nameplate
 * hashrate the miner does, and standby power when it does (nearly) nothing.
 */
export function estimatePowerW(model: string | undefined, hashrate: number | undefined): number | undefined {
  const plate = nameplateOf(model);
  if (!plate || hashrate === undefined) return undefined;
  if (hashrate < plate.hashrateThs * 0.02) return STANDBY_W;
  return Math.round(plate.powerW * Math.min(1.2, hashrate / plate.hashrateThs));
}

const path = (obj: Json | undefined, ...keys: string[]): Json | undefined => {
  let cur = obj;
  for (const k of keys) cur = cur && typeof cur === 'object' && !Array.isArray(cur) ? cur[k] : undefined;
  return cur;
};

/** Braiins OS REST `miner/stats`: 5 s hashrate and the approximated consumption. */
export function braiinsStats(stats: JsonObject): { hashrateThs?: number; powerW?: number } {
  const ghs = num(path(stats, 'miner_stats', 'real_hashrate', 'last_5s', 'gigahash_per_second'));
  const powerW = num(path(stats, 'power_stats', 'approximated_consumption', 'watt'));
  return { ...(ghs !== undefined ? { hashrateThs: ghs / 1000 } : {}), ...(powerW !== undefined ? { powerW } : {}) };
}

/** Braiins OS REST `miner/details`: model, version, and whether mining is paused (status 3). */
export function braiinsDetails(details: JsonObject): { model?: string; version?: string; paused?: boolean } {
  const model = str(path(details, 'miner_identity', 'name')) ?? str(path(details, 'miner_identity', 'miner_model'));
  const version = str(path(details, 'bos_version', 'current'));
  const status = num(details.status);
  return { ...(model ? { model } : {}), ...(version ? { version } : {}), ...(status !== undefined ? { paused: status === 3 } : {}) };
}
