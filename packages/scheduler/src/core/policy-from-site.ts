import type { SiteConfig } from '@wattpack/common/daemon';
import { defaultPolicy, isWattpack, type Policy, type PolicyName, type PowerSavingPolicy, type TeamUsage } from './policy.js';

/**
 * The site settings a planning Policy is built from: the live site's (SiteConfig), which
 * the simulator's site file carries as its `site` block, so a setting means one thing in both.
 */
export type PolicySite = Pick<SiteConfig, 'teams' | 'defaultRuntime' | 'curves' | 'rampMwPerMin' | 'rightSizing' | 'meter' | 'powerSaving' | 'shedding'>;

/** What a run adds to the site's settings. Absent: the policy's default. */
export interface PolicyRun {
  /** The interval between a job's checkpoints (s): the simulator's. */
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

/** The ramp limit is wattpack's (static or not); the baselines model schedulers that know nothing of it. */
const honoursRamp = (name: PolicyName): boolean => name === 'wattpack' || name === 'wattpack-static';

/** The policy `name` with a site's settings; right-sizing's margins for wattpack alone. */
export function policyFromSite(name: PolicyName, site: PolicySite, run: PolicyRun = {}): Policy {
  const { marginFraction, minMarginW, heldFraction } = site.rightSizing;
  return defaultPolicy(name, {
    teams: site.teams,
    defaultRuntimeS: site.defaultRuntime,
    curves: site.curves,
    ...(run.checkpointIntervalS !== undefined ? { checkpointIntervalS: run.checkpointIntervalS } : {}),
    ...(site.rampMwPerMin !== undefined && honoursRamp(name) ? { rampWPerS: rampWPerS(site.rampMwPerMin) } : {}),
    ...(name === 'wattpack' ? { rightSizing: { marginFraction, minMarginW, heldFraction } } : {}),
    ...(run.history !== undefined ? { history: run.history } : {}),
    ...(site.meter ? { settleAfterShed: { ms: site.meter.window * site.meter.pollMs, marginFraction: READMIT_MARGIN } } : {}),
    ...(site.powerSaving?.enabled ? { powerSaving: powerSavingPolicy(site.powerSaving) } : {}),
    ...(isWattpack({ name }) && site.shedding.beyondTolerance === 'slow' ? { slowBeyondTolerance: true } : {}),
  });
}

function powerSavingPolicy(p: SiteConfig['powerSaving']): PowerSavingPolicy {
  return {
    suspendAfterS: p.suspendAfter === 'never' ? Infinity : p.suspendAfter,
    resumeTimeoutS: p.resumeTimeout,
    minIdleNodes: p.minIdleNodes,
    excludeNodes: new Set(p.excludeNodes),
    ...(p.consolidateAfter !== 'never' ? { consolidateAfterS: p.consolidateAfter } : {}),
  };
}
