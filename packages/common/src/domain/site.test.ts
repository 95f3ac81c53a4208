import { describe, expect, it } from 'vitest';
import { declaredHostPower, siteConfigSchema, teamFlex } from './site.js';

describe('site settings as both the live scheduler and the simulator read them', () => {
  it("a server's declared host power: its own figures, else the site's (0 means none given)", () => {
    const site = siteConfigSchema.parse({ hostPower: { idleW: 800, busyW: 2000 } });
    expect(declaredHostPower(site, {})).toEqual({ idleW: 800, busyW: 2000 });
    expect(declaredHostPower(site, { idleW: 0, busyW: 3000 })).toEqual({ idleW: 800, busyW: 3000 });
    expect(declaredHostPower(site, { idleW: 900, busyW: undefined })).toEqual({ idleW: 900, busyW: 2000 });
    expect(declaredHostPower(siteConfigSchema.parse({}), {})).toEqual({ idleW: 1000, busyW: 2500 });
  });

  it("a team's flexibility class: its own default, else the site's for every team, else none", () => {
    const site = siteConfigSchema.parse({ flexDefaults: { vision: 25, '*': 10 } });
    expect([teamFlex(site, 'vision'), teamFlex(site, 'nlp')]).toEqual([25, 10]);
    expect(teamFlex(siteConfigSchema.parse({ flexDefaults: { vision: 0 } }), 'nlp')).toBeUndefined();
    expect(teamFlex(siteConfigSchema.parse({ flexDefaults: { vision: 0 } }), 'vision')).toBe(0);
  });

  it('refuses a node-lost time shorter than the lease, naming the field', () => {
    const bad = siteConfigSchema.safeParse({ nodeLeaseSeconds: 30, nodeLostSeconds: 20 });
    expect(bad.error?.issues).toMatchObject([{ path: ['nodeLostSeconds'], message: 'at least nodeLeaseSeconds (30): a node is judged lost only after it stops being ready' }]);
    expect(siteConfigSchema.parse({ nodeLeaseSeconds: 30, nodeLostSeconds: 30 }).nodeLostSeconds).toBe(30);
  });
});
