import { describe, expect, it } from 'vitest';
import { describeIssues } from './job.js';
import { siteConfigSchema } from './site.js';

const issues = (powerSaving: unknown) => {
  const r = siteConfigSchema.safeParse({ powerSaving });
  return r.success ? '' : describeIssues(r.error);
};

describe('site setting powerSaving', () => {
  it('is off by default, with Slurm-like timers when enabled', () => {
    expect(siteConfigSchema.parse({}).powerSaving).toMatchObject({ enabled: false, suspendAfter: 600, resumeTime: 300, suspendTimeout: 60, resumeTimeout: 900, standbyW: 40, minIdleNodes: 0, excludeNodes: [], bmcs: {} });
    expect(siteConfigSchema.parse({ powerSaving: { enabled: true, suspendAfter: 'never', resumeTime: '7m', suspendTimeout: '2m', resumeTimeout: '20m' } }).powerSaving).toMatchObject({ suspendAfter: 'never', resumeTime: 420, suspendTimeout: 120, resumeTimeout: 1200 });
  });

  it('names the field and what is allowed', () => {
    expect(issues({ suspendAfter: 'soon' })).toMatch(/powerSaving.suspendAfter/);
    expect(issues({ resumeTime: '20m', resumeTimeout: '10m' })).toMatch(/powerSaving.resumeTimeout: must be at least resumeTime/);
    expect(issues({ standbyW: -1 })).toMatch(/powerSaving.standbyW/);
    expect(issues({ suspend: true })).toMatch(/suspend/);
  });
});
