import { describe, expect, it } from 'vitest';
import { describeIssues } from './job.js';
import { localJobUser, runAsFor } from './job-user.js';
import { siteConfigSchema } from './site.js';

const issues = (site: object) => {
  const r = siteConfigSchema.safeParse(site);
  return r.success ? '' : describeIssues(r.error);
};

describe('the site setting users', () => {
  it('maps owners to a uid/gid or an account, "*" for everyone not listed', () => {
    const { users } = siteConfigSchema.parse({ users: { alice: { uid: 1001, gid: 1001 }, bob: { account: 'svc-bob' }, '*': { uid: 65534, gid: 65534 } } });
    expect(runAsFor(users, 'alice')).toEqual({ uid: 1001, gid: 1001 });
    expect(runAsFor(users, 'bob')).toEqual({ account: 'svc-bob' });
    expect(runAsFor(users, 'carol')).toEqual({ uid: 65534, gid: 65534 });
    // Without "*", an owner not listed runs as the node's account of its name.
    expect(runAsFor({ alice: { uid: 1001, gid: 1001 } }, 'carol')).toBeUndefined();
    expect(runAsFor({}, 'constructor')).toBeUndefined();
    expect(siteConfigSchema.parse({}).users).toEqual({});
  });

  it('refuses root and incomplete mappings, naming the field', () => {
    expect(issues({ users: { alice: { uid: 0, gid: 1001 } } })).toBe('users.alice.uid: jobs never run as root: uid 0 is refused');
    expect(issues({ users: { '*': { uid: 1001, gid: 0 } } })).toBe('users.*.gid: jobs never run as root: gid 0 is refused');
    expect(issues({ users: { alice: { uid: 1001 } } })).toBe('users.alice: give { uid, gid } or { account }');
    expect(issues({ users: { alice: { uid: 1, gid: 1, account: 'a' } } })).toBe('users.alice: give { uid, gid } or { account }');
    expect(issues({ users: { alice: { account: '0' } } })).toBe('users.alice.account: a Unix account name');
    expect(issues({ users: { alice: { uid: -1, gid: 1 } } })).toMatch(/^users\.alice\.uid: /);
  });

  it('lets only the listed teams share the host network', () => {
    expect(siteConfigSchema.parse({}).allowHostNetwork).toEqual([]);
    expect(siteConfigSchema.parse({ allowHostNetwork: ['llm'] }).allowHostNetwork).toEqual(['llm']);
    expect(issues({ allowHostNetwork: ['Not A Team'] })).toBe('allowHostNetwork.0: a team name');
  });

  it('runs a local site as the invoking user, or nobody for root', () => {
    const uid = process.getuid!();
    expect(localJobUser()).toEqual(uid === 0 ? { uid: 65534, gid: 65534 } : { uid, gid: process.getgid!() });
  });
});
