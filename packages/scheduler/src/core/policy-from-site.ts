import type { CurvePoint } from '@wattpack/common';
import { defaultPolicy, type Policy, type PolicyName, type PowerSavingPolicy, type RightSizing, type TeamShare, type TeamUsage } from './policy.js';

/**
 * The site settings a planning Policy is built from, as the live loop's site config and
 * the simulator's site file both give them. Absent: the policy's default.
 */
export interface PolicySettings {
  teams: Record<string, TeamShare>;
  /** Runtime assumed for jobs without a max runtime (s). */
  defaultRuntimeS?: number;
  /** Curves measured on other GPU models, by catalog name. */
  curves?: Readonly<Record<string, readonly CurvePoint[]>>;
  /** How fast facility power may rise (MW per minute; absent: no limit). */
  rampMwPerMin?: number;
  /** Right-sizing's trust in measured draw (wattpack only; absent: the default). */
  rightSizing?: RightSizing;
  /** The interval between a job's checkpoints (s). */
  checkpointIntervalS?: number;
  /** Teams' decayed past usage (the live loop's, from the accounting store). */
  history?: Readonly<Record<string, TeamUsage>>;
  /** The facility meter's reading window (docs/metering.md): a shed is held against its lag. */
  meter?: { window: number; pollMs: number };
  /** The site's powerSaving setting (absent or disabled: nodes stay on). */
  powerSaving?: { enabled: boolean; suspendAfter: number | 'never'; resumeTimeout: number; minIdleNodes: number; excludeNodes: readonly string[] };
}

/**
 * After a shed, new starts keep this share of the cap free until the meter's window has
 * seen the shed: a meter e2e once read 2.4 % over an event's cap when jobs were placed
 * again against a correction that still lagged.
 */
export const READMIT_MARGIN = 0.03;

/** MW per minute -> W per second. */
export const rampWPerS = (mwPerMin: number): number => (mwPerMin * 1e6) / 60;

/** The policy `name` with a site's settings. */
export function policyFromSite(name: PolicyName, s: PolicySettings): Policy {
  return defaultPolicy(name, {
    teams: s.teams,
    ...(s.defaultRuntimeS !== undefined ? { defaultRuntimeS: s.defaultRuntimeS } : {}),
    ...(s.curves !== undefined ? { curves: s.curves } : {}),
    ...(s.checkpointIntervalS !== undefined ? { checkpointIntervalS: s.checkpointIntervalS } : {}),
    ...(s.rampMwPerMin !== undefined ? { rampWPerS: rampWPerS(s.rampMwPerMin) } : {}),
    ...(name === 'wattpack' && s.rightSizing ? { rightSizing: s.rightSizing } : {}),
    ...(s.history !== undefined ? { history: s.history } : {}),
    ...(s.meter ? { settleAfterShed: { ms: s.meter.window * s.meter.pollMs, marginFraction: READMIT_MARGIN } } : {}),
    ...(s.powerSaving?.enabled ? { powerSaving: powerSavingPolicy(s.powerSaving) } : {}),
  });
}

function powerSavingPolicy(p: NonNullable<PolicySettings['powerSaving']>): PowerSavingPolicy {
  return {
    suspendAfterS: p.suspendAfter === 'never' ? Infinity : p.suspendAfter,
    resumeTimeoutS: p.resumeTimeout,
    minIdleNodes: p.minIdleNodes,
    excludeNodes: new Set(p.excludeNodes),
  };
}
