import { describe, expect, it } from 'vitest';
import { cachedAccounts, lookupAccount, resolveJobUser, type Account } from './accounts.js';

const accounts: Account[] = [
  { name: 'root', uid: 0, gid: 0, home: '/root' },
  { name: 'alice', uid: 1001, gid: 1001, home: '/home/alice' },
  { name: 'svc', uid: 990, gid: 990, home: '/var/lib/svc' },
  { name: 'wheelie', uid: 1002, gid: 0, home: '/home/wheelie' },
];
const lookup = async (key: string | number) => accounts.find((a) => (typeof key === 'number' ? a.uid === key : a.name === key));

describe('whom a job runs as', () => {
  it("runs an unmapped owner as the node's account of the same name", async () => {
    expect(await resolveJobUser('alice', undefined, 'gpu-1', lookup)).toEqual({ name: 'alice', uid: 1001, gid: 1001, home: '/home/alice' });
  });

  it('runs a mapped owner as the uid/gid or the account the site names', async () => {
    expect(await resolveJobUser('bob', { uid: 1001, gid: 2000 }, 'gpu-1', lookup)).toEqual({ name: 'alice', uid: 1001, gid: 2000, home: '/home/alice' });
    // A uid the node does not know is fine: named after the owner, no home.
    expect(await resolveJobUser('bob', { uid: 5000, gid: 5000 }, 'gpu-1', lookup)).toEqual({ name: 'bob', uid: 5000, gid: 5000 });
    expect(await resolveJobUser('bob', { account: 'svc' }, 'gpu-1', lookup)).toEqual({ name: 'svc', uid: 990, gid: 990, home: '/var/lib/svc' });
  });

  it('fails an owner without an account with the reason the user sees', async () => {
    await expect(resolveJobUser('carol', undefined, 'gpu-1', lookup)).rejects.toThrow('user carol has no Unix account on gpu-1: map it in the site setting users');
    await expect(resolveJobUser('carol', { account: 'nosuch' }, 'gpu-1', lookup)).rejects.toThrow('user carol maps to the Unix account nosuch, which gpu-1 does not have: fix the site setting users');
    // Not a Unix name (a number would be looked up as a uid): never looked up.
    await expect(resolveJobUser('0', undefined, 'gpu-1', lookup)).rejects.toThrow('user 0 has no Unix account on gpu-1');
    await expect(resolveJobUser('-x', undefined, 'gpu-1', lookup)).rejects.toThrow('user -x has no Unix account on gpu-1');
  });

  it('never runs a job as root, however it is mapped', async () => {
    await expect(resolveJobUser('root', undefined, 'gpu-1', lookup)).rejects.toThrow('jobs never run as root: user root would run as uid 0 on gpu-1; map it to another account in the site setting users');
    await expect(resolveJobUser('alice', { uid: 0, gid: 1001 }, 'gpu-1', lookup)).rejects.toThrow('jobs never run as root: user alice would run as uid 0 on gpu-1');
    await expect(resolveJobUser('alice', { uid: 1001, gid: 0 }, 'gpu-1', lookup)).rejects.toThrow('jobs never run as root: user alice would run as gid 0 on gpu-1');
    await expect(resolveJobUser('alice', { account: 'root' }, 'gpu-1', lookup)).rejects.toThrow('jobs never run as root');
    await expect(resolveJobUser('wheelie', undefined, 'gpu-1', lookup)).rejects.toThrow('jobs never run as root: user wheelie would run as gid 0');
  });

  it("reads this host's accounts with getent", async () => {
    expect(await lookupAccount('root')).toMatchObject({ name: 'root', uid: 0, gid: 0 });
    expect(await lookupAccount(0)).toMatchObject({ name: 'root' });
    expect(await lookupAccount('nobody')).toMatchObject({ name: 'nobody', uid: 65534 });
    expect(await lookupAccount('wattpack-no-such-user')).toBeUndefined();
    await expect(resolveJobUser('wattpack-no-such-user', undefined, 'here')).rejects.toThrow('user wattpack-no-such-user has no Unix account on here');
    await expect(resolveJobUser('root', undefined, 'here')).rejects.toThrow('jobs never run as root');
  });

  it('keeps found accounts a while and shares concurrent lookups, but never keeps "not found"', async () => {
    const asked: Array<string | number> = [];
    const cached = cachedAccounts(async (key) => {
      asked.push(key);
      return lookup(key);
    }, 200);
    const eight = await Promise.all(Array.from({ length: 8 }, () => cached('alice')));
    expect(eight.every((a) => a?.uid === 1001)).toBe(true);
    expect(await cached(1001)).toMatchObject({ name: 'alice' });
    expect(await cached('nobody-here')).toBeUndefined();
    expect(await cached('nobody-here')).toBeUndefined();
    expect(asked).toEqual(['alice', 1001, 'nobody-here', 'nobody-here']);
    // Past its time the account is looked up again (it may have changed).
    await new Promise((r) => setTimeout(r, 300));
    await cached('alice');
    expect(asked.at(-1)).toBe('alice');
    expect(asked).toHaveLength(5);
  });
});
