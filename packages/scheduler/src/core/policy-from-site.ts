import type { SiteConfig } from '@wattpack/common';
import { defaultPolicy, type Policy, type PolicyName, type TeamUsage } from './policy.js';

/**
 * The site settings a planning Policy is built from: the live site's (SiteConfig), which
 * the simulator's site file carries as its `site` block, so a setting means one thing in both.
 */
export type PolicySite = Pick<SiteConfig, 'teams' | 'defaultRuntime' | 'curves' | 'rampMwPerMin' | 'rightSizing'>;

/** What a run adds to the site's settings. Absent: the policy's default. */
export interface PolicyRun {
  /** The interval between a job's checkpoints (s): the simulator's. */
  checkpointIntervalS?: number;
  /** Teams' decayed past usage (the live loop's, from the accounting store). */
  history?: Readonly<Record<string, TeamUsage>>;
}

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
  });
}
