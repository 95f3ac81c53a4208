import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from 'nats';
import { STREAMS, SUBJECTS, json, type Logger } from '@wattpack/common/daemon';
import { z } from 'zod';

/**
 * The audit log: every mutating API call and every refusal, with the verified identity
 * that made it, what it was about, what changed and the outcome. The scheduler appends
 * records to the WP_AUDIT stream (a year, at most 1 GiB by default); `wattpack audit`
 * reads them through ListAudit. Records carry no job environment, arguments or commands.
 */
export const auditEntrySchema = z.object({
  at: z.number(),
  /** The verified identity's name, or "-" when the caller proved none. */
  name: z.string(),
  role: z.string(),
  serial: z.string(),
  /** The RPC (UpdateSite, NodeService.Connect), or TLS for a refused handshake. */
  action: z.string(),
  target: z.string(),
  /** OK, or the error code. */
  result: z.string(),
  message: z.string(),
  before: z.record(z.string(), z.string()),
  after: z.record(z.string(), z.string()),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export interface AuditQuery {
  sinceMs: number;
  user?: string;
  limit: number;
}

export interface AuditLog {
  /**
   * Appends a record. `throttle`: records with the same key are written at most once a
   * minute (a revoked agent retrying, a port scanner); the next one counts those left out.
   */
  record(entry: Omit<AuditEntry, 'at'>, opts?: { throttle?: string }): Promise<void>;
  read(query: AuditQuery): Promise<{ records: AuditEntry[]; truncated: boolean }>;
}

const THROTTLE_MS = 60_000;
const WRITE_TIMEOUT_MS = 3000;
const MESSAGE_MAX = 500;

export class JetStreamAudit implements AuditLog {
  private readonly throttled = new Map<string, { until: number; left: number }>();

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async record(entry: Omit<AuditEntry, 'at'>, opts: { throttle?: string } = {}): Promise<void> {
    const at = this.now();
    let message = entry.message.slice(0, MESSAGE_MAX);
    if (opts.throttle) {
      const seen = this.throttled.get(opts.throttle);
      if (seen && at < seen.until) {
        seen.left++;
        return;
      }
      if (seen?.left) message += ` (and ${seen.left} more like it in the minute before)`;
      if (this.throttled.size > 10_000) for (const [k, v] of this.throttled) if (at >= v.until) this.throttled.delete(k);
      this.throttled.set(opts.throttle, { until: at + THROTTLE_MS, left: 0 });
    }
    const full: AuditEntry = { ...entry, message, at };
    // The scheduler's log names the verified caller of every change and refusal too.
    const line = { user: full.name, role: full.role, action: full.action, target: full.target, result: full.result, before: full.before, after: full.after };
    if (full.result === 'OK') this.log.info(line, 'audit');
    else this.log.warn({ ...line, message }, 'audit: refused');
    try {
      await this.js.publish(SUBJECTS.audit, json.encode(full), { timeout: WRITE_TIMEOUT_MS });
    } catch (err) {
      // Not lost: the scheduler's log has it.
      this.log.error({ err: String(err), audit: full }, 'writing an audit record failed');
    }
  }

  async read(query: AuditQuery): Promise<{ records: AuditEntry[]; truncated: boolean }> {
    const info = await this.jsm.streams.info(STREAMS.audit);
    if (info.state.messages === 0 || Date.parse(info.state.last_ts) < query.sinceMs) return { records: [], truncated: false };
    const lastSeq = info.state.last_seq;
    // An ordered, ephemeral consumer from the first record at or after `since`.
    const consumer = await this.js.consumers.get(STREAMS.audit, { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(query.sinceMs).toISOString() });
    const messages = await consumer.consume();
    const records: AuditEntry[] = [];
    let matched = 0;
    try {
      for await (const m of messages) {
        const parsed = auditEntrySchema.safeParse(json.decode(m.data));
        if (parsed.success && (!query.user || parsed.data.name === query.user)) {
          matched++;
          records.push(parsed.data);
          // Keep the newest `limit` (trimmed in batches).
          if (records.length >= 2 * query.limit) records.splice(0, records.length - query.limit);
        }
        if (m.info.pending === 0 || m.seq >= lastSeq) break;
      }
    } finally {
      await messages.close();
    }
    return { records: records.slice(-query.limit), truncated: matched > query.limit };
  }
}
