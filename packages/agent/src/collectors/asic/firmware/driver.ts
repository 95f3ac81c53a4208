import type { Endpoint } from '../rpc-client.js';
import type { Firmware, LuxosProfile } from '../parse-telemetry.js';

/** One reading of a miner; absent numbers are unknown, never 0. */
export interface MinerReading {
  model?: string;
  hashrateThs?: number;
  powerW?: number;
  /** measured: the firmware reports it; estimated: from the model's nameplate. */
  powerSource?: 'measured' | 'estimated';
  chipTemperaturesC: number[];
  fansRpm: number[];
  /** What the firmware itself says about pausing, where it says it (Braiins OS). */
  paused?: boolean;
  /** LuxOS power profiles. */
  profiles?: LuxosProfile[];
}

/** How to talk to one miner. */
export interface MinerAccess {
  /** cgminer API. */
  rpc: Endpoint;
  /** Web or REST interface base URL, e.g. http://10.0.0.5. */
  web: string;
  credentials?: { username: string; password: string };
  /** Model when the firmware does not say (or says it wrong). */
  model?: string;
  timeoutMs: number;
}

/**
 * Per-firmware reading and control. curtail()/resume() resolve once the miner accepted
 * the request; whether it took effect is for telemetry to show.
 */
export interface MinerDriver {
  readonly firmware: Firmware;
  read(): Promise<MinerReading>;
  curtail(): Promise<void>;
  resume(): Promise<void>;
}
