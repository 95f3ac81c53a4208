import type { MsgHdrs } from 'nats';
import { CommandVerifier, agentCommandSchema, describeIssues, json, type AgentCommand, type Credentials } from '@wattpack/common/daemon';

/**
 * What the agent checks before it applies a command, in order: the scheduler signed it
 * (skipped in insecure mode, where there is no CA to check against), it is a command,
 * and its term is no higher than the leader bucket has ever reached. The supervisor
 * then refuses a term lower than one it has seen (a deposed leader).
 */
export type Admission = { ok: true; command: AgentCommand } | { ok: false; reason: string };

export class CommandGuard {
  private readonly verifier: CommandVerifier | undefined;
  /** The highest leader revision read so far: every term a real leader held is at most this. */
  private knownRevision = 0;
  private readonly leaderRevision: () => Promise<number>;

  constructor(opts: {
    credentials: Credentials;
    /**
     * The leader bucket's last sequence number: every leader's term is a revision of its
     * key, so no real term exceeds it. Throws when it cannot be read now (retry later).
     */
    leaderRevision: () => Promise<number>;
    now?: () => number;
  }) {
    this.verifier = opts.credentials.insecure ? undefined : new CommandVerifier(opts.credentials.caPem, opts.now);
    this.leaderRevision = opts.leaderRevision;
  }

  /** Rejects with the reason to log; throws only when the leader bucket cannot be read (retry the command later). */
  async admit(subject: string, data: Uint8Array, headers: MsgHdrs | undefined): Promise<Admission> {
    if (this.verifier) {
      const verdict = this.verifier.verify(subject, data, headers);
      if (!verdict.ok) return { ok: false, reason: `not signed by the site's scheduler: ${verdict.reason}` };
    }
    let raw: unknown;
    try {
      raw = json.decode(data);
    } catch {
      return { ok: false, reason: 'not JSON' };
    }
    const parsed = agentCommandSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, reason: `malformed: ${describeIssues(parsed.error)}` };
    const { term } = parsed.data;
    if (!(await this.termPossible(term))) return { ok: false, reason: `term ${term} is beyond any leader's (the leader record is at ${this.knownRevision})` };
    return { ok: true, command: parsed.data };
  }

  /** Reads the leader bucket only for a term above any seen so far. */
  private async termPossible(term: number): Promise<boolean> {
    if (term <= this.knownRevision) return true;
    this.knownRevision = Math.max(this.knownRevision, await this.leaderRevision());
    return term <= this.knownRevision;
  }
}
