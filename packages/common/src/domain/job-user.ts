import { z } from 'zod';

/**
 * Who a job runs as on its nodes (docs/security.md, "Jobs never run as root"). Every job has
 * an owner, a user name; the site setting `users` maps owners to a uid/gid or to a Unix
 * account, and an owner it does not map runs as the Unix account of the same name on the
 * node (the agent resolves it there, as accounts are per host).
 */

/** A Unix account name as useradd accepts it (never a number: a number would name a uid). */
export const UNIX_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;

const unixId = z.number().int().nonnegative().max(4_294_967_294);

/**
 * How one owner's jobs run: `{ uid, gid }`, or `{ account }` (a Unix account the agent
 * resolves on its node). Start commands carry it as is; the agent refuses uid or gid 0.
 */
export const runAsSchema = z
  .strictObject({
    uid: unixId.optional(),
    gid: unixId.optional(),
    account: z.string().regex(UNIX_NAME, 'a Unix account name').optional(),
  })
  .refine((r) => (r.account !== undefined ? r.uid === undefined && r.gid === undefined : r.uid !== undefined && r.gid !== undefined), {
    message: 'give { uid, gid } or { account }',
  });

export type RunAs = z.infer<typeof runAsSchema>;

/** The key of `users` that maps every owner not listed by name. */
export const ANY_USER = '*';

/** The site setting `users`: owner name (or "*") → how their jobs run; uid and gid 0 are refused here already. */
export const usersSchema = z
  .record(
    z.string().min(1),
    runAsSchema.superRefine((r, ctx) => {
      for (const key of ['uid', 'gid'] as const) {
        if (r[key] === 0) ctx.addIssue({ code: 'custom', path: [key], message: `jobs never run as root: ${key} 0 is refused` });
      }
    }),
  )
  .default({});

/** How `owner`'s jobs run by the site's `users`: by name, else the "*" entry, else undefined (the node's account of that name). */
export function runAsFor(users: Readonly<Record<string, RunAs>>, owner: string): RunAs | undefined {
  return Object.hasOwn(users, owner) ? users[owner] : Object.hasOwn(users, ANY_USER) ? users[ANY_USER] : undefined;
}

/** The conventional unprivileged account. */
export const NOBODY = { uid: 65534, gid: 65534 } as const;

/**
 * Whom a local site (wattpack dev, the tests) runs every job as: the invoking user's uid and
 * gid, or nobody (65534:65534) when that is root.
 */
export function localJobUser(): { uid: number; gid: number } {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  return uid === 0 || gid === 0 ? { ...NOBODY } : { uid, gid };
}
