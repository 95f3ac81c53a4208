import { WattpackError, isUserRole, type Identity } from '@wattpack/common/daemon';
import { z } from 'zod';

/**
 * Revoked credentials, kept in the site's KV bucket (key `revocations`) so that they hold
 * on every scheduler of the site, across restarts and failovers, without touching a
 * certificate file. A revocation names an identity, not a certificate: every credential
 * of that name (a node, or a person whatever their role) issued before it is refused, and
 * so are the serials the PKI registry listed; one issued after it (a re-issue) works.
 */
export const revocationSchema = z.object({
  kind: z.enum(['node', 'user']),
  name: z.string().min(1),
  /** Credentials issued before this instant (ms) are refused. */
  issuedBefore: z.number(),
  serials: z.array(z.string()).default([]),
  at: z.number(),
  by: z.string(),
});
export type Revocation = z.infer<typeof revocationSchema>;
export const revocationsSchema = z.array(revocationSchema);

/**
 * Does the revocation cover this credential? Issue times are known to the second (the
 * certificate's notBefore): a credential counts as issued before the revocation when it
 * was issued in an earlier second. One issued in the same second escapes the rule, not
 * its serial: `wattpack admin revoke --pki` sends the registry's serials too.
 */
export function revokes(r: Revocation, id: Identity): boolean {
  const kind = r.kind === 'node' ? id.role === 'node' : isUserRole(id.role);
  if (!kind || id.name !== r.name) return false;
  if (r.serials.includes(id.serial)) return true;
  // A credential without a known issue time (none from identityOf) is treated as old.
  return id.issuedAt === undefined || id.issuedAt < Math.floor(r.issuedBefore / 1000) * 1000;
}

export interface RevocationList {
  /** Throws UNAUTHENTICATED when the identity's credential is revoked. */
  check(id: Identity): void;
}

/** The site's revocations in memory, written through to the store before they count. */
export class Revocations implements RevocationList {
  private list: Revocation[];
  private readonly listeners = new Set<(r: Revocation) => number>();

  constructor(
    list: Revocation[],
    private readonly store: (list: Revocation[]) => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {
    this.list = list;
  }

  all(): readonly Revocation[] {
    return this.list;
  }

  find(id: Identity): Revocation | undefined {
    return this.list.find((r) => revokes(r, id));
  }

  check(id: Identity): void {
    const r = this.find(id);
    if (r) {
      throw new WattpackError('UNAUTHENTICATED', `the credential of ${id.name} (serial ${id.serial}) was revoked at ${new Date(r.at).toISOString()}: ask an admin for a new one`);
    }
  }

  /**
   * Revokes every credential of an identity issued until now (and the given serials),
   * stores it, then tells the listeners (live streams close). One entry per identity: a
   * second revocation moves its instant and adds its serials.
   */
  async revoke(req: { kind: 'node' | 'user'; name: string; serials: string[]; by: string }): Promise<{ revocation: Revocation; closed: number }> {
    const at = this.now();
    const prev = this.list.find((r) => r.kind === req.kind && r.name === req.name);
    const revocation: Revocation = {
      kind: req.kind,
      name: req.name,
      issuedBefore: at,
      serials: [...new Set([...(prev?.serials ?? []), ...req.serials.map((s) => s.toLowerCase())])],
      at,
      by: req.by,
    };
    const next = [...this.list.filter((r) => r !== prev), revocation];
    await this.store(next);
    this.list = next;
    let closed = 0;
    for (const listener of this.listeners) closed += listener(revocation);
    return { revocation, closed };
  }

  /** `listener` closes what the revocation covers and returns how many it closed. */
  onRevoke(listener: (r: Revocation) => number): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
