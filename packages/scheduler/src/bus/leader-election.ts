import type { KV, KvEntry, NatsConnection } from 'nats';
import { BUCKETS, LEADER_KEY, json, type Logger } from '@wattpack/common/daemon';

export interface Leadership {
  /** Fencing token: grows with every new leader. Commands carry it. */
  readonly term: number;
  /** False once the lease may have lapsed (a paused process that wakes up): write nothing then. */
  valid(): boolean;
  /** Resolves with the reason when leadership is lost. */
  readonly lost: Promise<string>;
  resign(): Promise<void>;
}

type LeaderOptions = { ttlMs: number; replicas: number; log: Logger; stopped?: () => boolean; onStandby?: (leader: string | undefined) => void };

/**
 * Leader election over a JetStream KV key with a TTL. The leader refreshes the key with
 * compare-and-set; a standby creates it once the TTL has removed it. A scheduler that
 * restarts with the same id takes its own lease back at once.
 */
export async function becomeLeader(nc: NatsConnection, id: string, opts: LeaderOptions): Promise<Leadership> {
  const kv: KV = await nc.jetstream().views.kv(BUCKETS.leader, { history: 1, ttl: opts.ttlMs, replicas: opts.replicas });
  const value = () => json.encode({ id, at: Date.now() });
  const term = await acquire(kv, id, value, opts);
  opts.log.info({ term }, 'elected leader');
  return holdLease(kv, id, value, term, opts.ttlMs);
}

const holderOf = (entry: KvEntry | null | undefined) => (entry && entry.operation === 'PUT' ? (json.decode(entry.value) as { id: string }).id : undefined);

/** Waits until the key is this scheduler's; returns its revision, the term. */
async function acquire(kv: KV, id: string, value: () => Uint8Array, opts: LeaderOptions): Promise<number> {
  let waiting = false;
  for (;;) {
    if (opts.stopped?.()) throw new Error('stopped before becoming leader');
    try {
      return await kv.create(LEADER_KEY, value());
    } catch {
      const entry = await kv.get(LEADER_KEY).catch(() => null);
      const holder = holderOf(entry);
      if (entry && holder === id) {
        const revision = await kv.update(LEADER_KEY, value(), entry.revision).catch(() => 0);
        if (revision) return revision;
      } else {
        if (!waiting) opts.log.info({ leader: holder }, 'standby: another scheduler leads');
        opts.onStandby?.(holder);
        waiting = true;
        await new Promise((r) => setTimeout(r, opts.ttlMs / 10));
      }
    }
  }
}

/** Refreshes the lease until it is lost or resigned. */
function holdLease(kv: KV, id: string, value: () => Uint8Array, term: number, ttlMs: number): Leadership {
  let revision = term;
  // Keep a margin: act only while the lease is certainly ours.
  const margin = ttlMs / 5;
  let leaseUntil = Date.now() + ttlMs - margin;
  let onLost!: (reason: string) => void;
  const lost = new Promise<string>((resolve) => (onLost = resolve));
  let done = false;
  // One refresh at a time: a second, sent while a slow first is in flight, carries the
  // revision the first replaces and would fail as if another scheduler had taken over.
  let refreshing = false;
  const everyMs = ttlMs / 4;
  const watch = new LapseWatch(everyMs);
  const refresh = setInterval(() => {
    const now = Date.now();
    watch.tick(now);
    if (now > leaseUntil) return lose(`the lease lapsed before it could be refreshed: ${watch.why(now, refreshing)}`);
    if (refreshing) return;
    refreshing = true;
    watch.sentAt = now;
    kv.update(LEADER_KEY, value(), revision)
      .finally(() => (refreshing = false))
      .then((r) => {
        revision = r;
        leaseUntil = Date.now() + ttlMs - margin;
        watch.refreshed();
      })
      .catch(async (err: unknown) => {
        // Anything else (NATS restarting, a timeout) is retried until the lease lapses.
        if (!/wrong last sequence/i.test(String(err))) return;
        // A refresh that timed out under load may still have been written: then the key names
        // this scheduler at a newer revision, and the lease is still its own.
        const entry = await kv.get(LEADER_KEY).catch(() => undefined);
        // Not read (a timeout): the next refresh asks again; the lapse check still holds.
        if (entry === undefined) return;
        if (holderOf(entry) === id) revision = Math.max(revision, entry!.revision);
        else lose('another scheduler took the lease');
      });
  }, everyMs);
  const lose = (reason: string) => {
    if (done) return;
    done = true;
    leaseUntil = 0;
    clearInterval(refresh);
    onLost(reason);
  };
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

/**
 * Why a lease lapses: timers that fire late, or a refresh NATS has not answered. The lapse
 * names which, with the figures; for late timers, how much of the gap this process had the
 * CPU (its own long work, all of it; a starved machine, little of it).
 */
class LapseWatch {
  private last = { at: Date.now(), cpu: process.cpuUsage() };
  private worstGap = { ms: 0, cpuMs: 0 };
  sentAt = 0;

  constructor(private readonly everyMs: number) {}

  tick(now: number): void {
    const cpu = process.cpuUsage(this.last.cpu);
    if (now - this.last.at > this.worstGap.ms) this.worstGap = { ms: now - this.last.at, cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
    this.last = { at: now, cpu: process.cpuUsage() };
  }

  refreshed(): void {
    this.worstGap = { ms: 0, cpuMs: 0 };
  }

  why(now: number, refreshing: boolean): string {
    const { ms, cpuMs } = this.worstGap;
    if (ms > 2 * this.everyMs) return `timers ran up to ${ms} ms apart (every ${this.everyMs} ms due), ${cpuMs} ms of it on the CPU (all: the event loop was blocked; little: the process got no CPU)`;
    return refreshing ? `a refresh has waited ${now - this.sentAt} ms for NATS` : 'refreshes failed';
  }
}
