import { readFile } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import { UNIX_NAME, type RunAs } from '@wattpack/common/daemon';
import { StartError, type JobUser } from '../runtimes/runtime.js';
import { exec } from '../util/exec.js';

/** One line of the passwd database. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** Finds an account by name or uid; undefined when the node has none. */
export type AccountLookup = (key: string | number) => Promise<Account | undefined>;

function parsePasswdLine(line: string): Account | undefined {
  const [name, , uid, gid, , home] = line.split(':');
  if (!name || uid === undefined || gid === undefined || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) return undefined;
  return { name, uid: Number(uid), gid: Number(gid), home: home ?? '' };
}

/**
 * The node's account, through `getent passwd` (NSS: local files, LDAP, SSSD... as `id` sees
 * them), or /etc/passwd where getent is missing.
 */
export const lookupAccount: AccountLookup = async (key) => {
  const r = await exec('getent', ['passwd', String(key)], { timeoutMs: 10_000 });
  if (r.errorCode !== 'ENOENT') {
    if (r.exitCode === 0) return parsePasswdLine(r.stdout.split('\n')[0] ?? '');
    if (r.exitCode === 2) return undefined; // no such key
    throw new StartError(`cannot look up the Unix account ${key}: getent ${r.exitCode === undefined ? (r.message ?? 'failed') : `exited with ${r.exitCode}`}`);
  }
  const lines = (await readFile('/etc/passwd', 'utf8')).split('\n');
  return lines.map(parsePasswdLine).find((a) => a !== undefined && (typeof key === 'number' ? a.uid === key : a.name === key));
};

/** How long a found account is kept (nscd keeps passwd entries 600 s): a burst of starts then costs one getent. */
const ACCOUNT_TTL_MS = 60_000;

/**
 * `lookup` with found accounts kept for `ttlMs`, and concurrent lookups of one key sharing
 * one call: spawning getent per start cost as much as the job's own spawn in the e2e
 * benchmark. An account not found is never kept, so one just made works at once.
 */
export function cachedAccounts(lookup: AccountLookup = lookupAccount, ttlMs = ACCOUNT_TTL_MS): AccountLookup {
  const cache = new LRUCache<string, Account>({
    max: 1000,
    ttl: ttlMs,
    // Keys keep the type: the account named "0" is not uid 0.
    fetchMethod: (key) => lookup(key.startsWith('uid:') ? Number(key.slice(4)) : key.slice(5)),
  });
  return (key) => cache.fetch(typeof key === 'number' ? `uid:${key}` : `name:${key}`);
}

/**
 * The host's accounts, kept once per process: the hollow nodes of a fleet (`--fleet`) share
 * the host, and a first burst of starts on each of its 50 nodes cost 50 getent spawns (a
 * fork of the agent each, half a second of CPU in bench:e2e's array run).
 */
export const hostAccounts: AccountLookup = cachedAccounts();

/**
 * Whom an attempt runs as on this node: the site's mapping of its owner (uid/gid, or an
 * account), else the node's account of the owner's name. Rejects with the reason the
 * user sees when there is none, and whenever it would be root (uid or gid 0): jobs never
 * run as root, whatever the scheduler sends.
 */
export async function resolveJobUser(owner: string, runAs: RunAs | undefined, nodeId: string, lookup: AccountLookup = lookupAccount): Promise<JobUser> {
  let user: JobUser;
  if (runAs?.uid !== undefined && runAs.gid !== undefined) {
    // Names HOME and USER when the node knows the uid; it need not.
    const known = runAs.uid === 0 ? undefined : await lookup(runAs.uid);
    user = { name: known?.name ?? owner, uid: runAs.uid, gid: runAs.gid, ...(known?.home ? { home: known.home } : {}) };
  } else {
    const name = runAs?.account ?? owner;
    const account = UNIX_NAME.test(name) ? await lookup(name) : undefined;
    if (!account) {
      throw new StartError(
        runAs?.account
          ? `user ${owner} maps to the Unix account ${name}, which ${nodeId} does not have: fix the site setting users`
          : `user ${owner} has no Unix account on ${nodeId}: map it in the site setting users`,
      );
    }
    user = { name: account.name, uid: account.uid, gid: account.gid, ...(account.home ? { home: account.home } : {}) };
  }
  if (user.uid === 0 || user.gid === 0) {
    const as = user.uid === 0 ? 'uid 0' : 'gid 0';
    throw new StartError(`jobs never run as root: user ${owner} would run as ${as} on ${nodeId}; map it to another account in the site setting users`);
  }
  return user;
}
