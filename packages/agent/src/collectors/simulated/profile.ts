import { GPU_MODELS, WattpackError, type GpuModel } from '@wattpack/common/daemon';

/** What a simulated node has: GPUs of catalog models and Antminer S19 XP miners. */
export interface SimulatedProfile {
  gpus: { model: GpuModel; memoryMib: number }[];
  miners: number;
  /** What a GPU server's host really draws, idle and busy (its simulated BMC measures it); default what the agent declares. */
  hostW?: { idleW: number; busyW: number };
}

const GPU_MEMORY_MIB: Record<string, number> = { H100: 81559, H200: 143771 };
const DEFAULT_MINERS = 4;
const MAX_GPUS = 16;
const MAX_MINERS = 1000;

export const PROFILE_HELP =
  'h100xN or h200xN (N GPUs, 1-16, e.g. h100x8), s19xp[:N] (N Antminer S19 XP, default 4), host:IDLE/BUSY (the true host watts its simulated BMC measures), joined with "+", e.g. h100x8+s19xp:2';

/** Parses "h100x8", "s19xp:2", "h200x8+s19xp" into a profile; errors name the bad part. */
export function parseProfile(text: string): SimulatedProfile {
  const profile: SimulatedProfile = { gpus: [], miners: 0 };
  const parts = text.split('+').map((p) => p.trim().toLowerCase());
  for (const part of parts) {
    const gpu = /^(h100|h200)x(\d+)$/.exec(part);
    const miner = /^s19xp(?::(\d+))?$/.exec(part);
    const host = /^host:(\d+)\/(\d+)$/.exec(part);
    if (gpu) {
      const count = Number(gpu[2]);
      if (count < 1 || count > MAX_GPUS) throw invalid(text, `"${part}": GPU count must be 1-${MAX_GPUS}`);
      const model = GPU_MODELS.find((m) => m.name === gpu[1]!.toUpperCase())!;
      for (let i = 0; i < count; i++) profile.gpus.push({ model, memoryMib: GPU_MEMORY_MIB[model.name]! });
    } else if (miner) {
      const count = miner[1] === undefined ? DEFAULT_MINERS : Number(miner[1]);
      if (count < 1 || count > MAX_MINERS) throw invalid(text, `"${part}": miner count must be 1-${MAX_MINERS}`);
      profile.miners += count;
    } else if (host) {
      const [idleW, busyW] = [Number(host[1]), Number(host[2])];
      if (idleW > busyW || busyW > 20_000) throw invalid(text, `"${part}": idle watts at most busy watts, busy at most 20000`);
      profile.hostW = { idleW, busyW };
    } else {
      throw invalid(text, `unknown part "${part}"`);
    }
  }
  return profile;
}

function invalid(text: string, why: string): WattpackError {
  return new WattpackError('INVALID_ARGUMENT', `simulate profile "${text}": ${why}; use ${PROFILE_HELP}`);
}
