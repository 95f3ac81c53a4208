import type { KV, NatsConnection } from 'nats';
import { BUCKETS, LEADER_KEY, json, type Logger } from '@wattpack/common';

export interface Leadership {
  /** Fencing token: grows with every new leader. Commands carry it. */
  readonly term: number;
  /** False once the lease may have lapsed (a paused process that wakes up): write nothing then. */
  valid(): boolean;
  /** Resolves with the reason when leadership is lost. */
  readonly lost: Promise<string>;
  resign(): Promise<void>;
}

/**
 * Leader election over a JetStream KV key with a TTL. The leader refreshes the key with
 * compare-and-set; a standby creates it once the TTL has removed it. A scheduler that
 * restarts with the same id takes its own lease back at once.
 */
export async function becomeLeader(nc: NatsConnection, id: string, opts: { ttlMs: number; replicas: number; log: Logger; stopped?: () => boolean; onStandby?: (leader: string | undefined) => void }): Promise<Leadership> {
  const kv: KV = await nc.jetstream().views.kv(BUCKETS.leader, { history: 1, ttl: opts.ttlMs, replicas: opts.replicas });
  const value = () => json.encode({ id, at: Date.now() });
  let revision = 0;
  let waiting = false;
  while (revision === 0) {
    if (opts.stopped?.()) throw new Error('stopped before becoming leader');
    try {
      revision = await kv.create(LEADER_KEY, value());
    } catch {
      const entry = await kv.get(LEADER_KEY).catch(() => null);
      const holder = entry && entry.operation === 'PUT' ? (json.decode(entry.value) as { id: string }).id : undefined;
      if (entry && holder === id) {
        revision = await kv.update(LEADER_KEY, value(), entry.revision).catch(() => 0);
      } else {
        if (!waiting) opts.log.info({ leader: holder }, 'standby: another scheduler leads');
        opts.onStandby?.(holder);
        waiting = true;
        await new Promise((r) => setTimeout(r, opts.ttlMs / 10));
      }
    }
  }
  const term = revision;
  // Keep a margin: act only while the lease is certainly ours.
  const margin = opts.ttlMs / 5;
  let leaseUntil = Date.now() + opts.ttlMs - margin;
  let onLost!: (reason: string) => void;
  const lost = new Promise<string>((resolve) => (onLost = resolve));
  let done = false;
  // One refresh at a time: a second, sent while a slow first is in flight, carries the
  // revision the first replaces and would fail as if another scheduler had taken over.
  let refreshing = false;
  const refresh = setInterval(() => {
    if (Date.now() > leaseUntil) return lose('the lease lapsed before it could be refreshed (paused?)');
    if (refreshing) return;
    refreshing = true;
    kv.update(LEADER_KEY, value(), revision)
      .finally(() => (refreshing = false))
      .then((r) => {
        revision = r;
        leaseUntil = Date.now() + opts.ttlMs - margin;
      })
      .catch(async (err: unknown) => {
        // Anything else (NATS restarting, a timeout) is retried until the lease lapses.
        if (!/wrong last sequence/i.test(String(err))) return;
        // A refresh that timed out under load may still have been written: then the key names
        // this scheduler at a newer revision, and the lease is still its own.
        const entry = await kv.get(LEADER_KEY).catch(() => undefined);
        // Not read (a timeout): the next refresh asks again; the lapse check still holds.
        if (entry === undefined) return;
        if (entry?.operation === 'PUT' && (json.decode(entry.value) as { id: string }).id === id) revision = Math.max(revision, entry.revision);
        else lose('another scheduler took the lease');
      });
  }, opts.ttlMs / 4);
  const lose = (reason: string) => {
    if (done) return;
    done = true;
    leaseUntil = 0;
    clearInterval(refresh);
    onLost(reason);
  };
  opts.log.info({ term }, 'elected leader');
  return {
    term,
    valid: () => !done && Date.now() < leaseUntil,
    lost,
    async resign() {
      if (done) return;
      lose('resigned');
      await kv.delete(LEADER_KEY).catch(() => undefined);
    },
  };
}
