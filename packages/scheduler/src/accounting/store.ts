import { WattpackError, usageRecordSchema, type UsageRecord } from '@wattpack/common/daemon';
import { migrate, openSql, type Sql, type SqlTarget } from './sql.js';

export interface HistoryQuery {
  user?: string;
  team?: string;
  states?: readonly string[];
  /** Attempts running at any time in [sinceMs, untilMs). */
  sinceMs?: number;
  untilMs?: number;
  node?: string;
  jobId?: string;
  limit: number;
  pageToken?: string;
}

/** A record as history shows it: with the job's preemptions up to this attempt. */
export type HistoryRow = UsageRecord & { preemptions: number };

export const USAGE_GROUPS = ['team', 'user', 'day'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export interface UsageQuery {
  groupBy: readonly UsageGroup[];
  user?: string;
  team?: string;
  /** Attempts that ended in [sinceMs, untilMs). */
  sinceMs: number;
  untilMs: number;
}

export interface UsageRow {
  team?: string;
  user?: string;
  day?: string;
  attempts: number;
  gpuHours: number;
  gpuKwh: number;
  facilityKwh: number;
  cost: number;
}

/** Each team's usage, every record weighed by 0.5^(age / half-life) (docs/scheduling.md). */
export type DecayedUsage = Record<string, { gpuHours: number; facilityKwh: number }>;

const GROUP_SQL: Record<UsageGroup, string> = {
  team: 'team',
  user: 'username',
  day: "to_char(ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
};

/**
 * Usage records in SQL, for queries: history (like sacct), usage (like sreport) and fair
 * share's decayed usage. Inserts are idempotent by attempt id and move the ingest cursor
 * in the same transaction, so a record is stored once however often it is delivered.
 */
export class UsageStore {
  private constructor(private readonly sql: Sql) {}

  static async open(target: SqlTarget): Promise<UsageStore> {
    const sql = await openSql(target);
    try {
      await migrate(sql);
    } catch (err) {
      await sql.close();
      throw err;
    }
    return new UsageStore(sql);
  }

  close(): Promise<void> {
    return this.sql.close();
  }

  /** The last stream sequence stored: 0 for a new store, which then rebuilds from the stream. */
  async cursor(): Promise<number> {
    const [row] = await this.sql.query<{ seq: string | number }>('SELECT seq FROM ingest_cursor WHERE id = 1');
    return Number(row?.seq ?? 0);
  }

  /**
   * Stores records (a second copy of an attempt is ignored; a lost attempt's late result
   * replaces its REQUEUED record) and moves the cursor to `seq`, in one transaction: ingest takes what the stream has delivered meanwhile in one go, as
   * a commit costs far more than a row (PGlite writes its files at each).
   */
  async insert(records: readonly UsageRecord[], seq: number): Promise<void> {
    // One row per attempt in a statement (an upsert may touch a row once): a late result wins over REQUEUED.
    const byAttempt = new Map<string, UsageRecord>();
    for (const r of records) {
      const first = byAttempt.get(r.attemptId);
      if (!first || (first.state === 'REQUEUED' && r.state !== 'REQUEUED')) byAttempt.set(r.attemptId, r);
    }
    const rows = [...byAttempt.values()].map((record) => {
      const r = usageRecordSchema.parse(record);
      return [r.attemptId, r.jobId, r.attempt, r.user, r.team, r.state, r.nodes, r.startedAt, r.endedAt, r.gpuHours, r.facilityKwh, r.cost.total, r.preempted, JSON.stringify(r)];
    });
    await this.sql.transaction(async (q) => {
      if (rows.length > 0) {
        const values = rows.map((row, i) => {
          const $ = (k: number) => `$${i * row.length + k}`;
          return `(${$(1)}, ${$(2)}, ${$(3)}, ${$(4)}, ${$(5)}, ${$(6)}, ${$(7)}, to_timestamp(${$(8)} / 1000.0), to_timestamp(${$(9)} / 1000.0), ${$(10)}, ${$(11)}, ${$(12)}, ${$(13)}, ${$(14)})`;
        });
        await q.query(
          `INSERT INTO usage_records (attempt_id, job_id, attempt, username, team, state, nodes, started_at, ended_at, gpu_hours, facility_kwh, cost, preempted, record)
           VALUES ${values.join(', ')}
           ON CONFLICT (attempt_id) DO UPDATE SET state = EXCLUDED.state, ended_at = EXCLUDED.ended_at, gpu_hours = EXCLUDED.gpu_hours,
             facility_kwh = EXCLUDED.facility_kwh, cost = EXCLUDED.cost, preempted = EXCLUDED.preempted, record = EXCLUDED.record
           WHERE usage_records.state = 'REQUEUED' AND EXCLUDED.state <> 'REQUEUED'`,
          rows.flat(),
        );
      }
      await q.query('UPDATE ingest_cursor SET seq = GREATEST(seq, $1) WHERE id = 1', [seq]);
    });
  }

  /** One page of records, oldest end first; pass nextPageToken back for the next. */
  async history(query: HistoryQuery): Promise<{ rows: HistoryRow[]; nextPageToken: string }> {
    const w = new Where();
    if (query.user !== undefined) w.add('r.username = $?', query.user);
    if (query.team !== undefined) w.add('r.team = $?', query.team);
    if (query.states?.length) w.add('r.state = ANY($?::text[])', [...query.states]);
    if (query.sinceMs !== undefined) w.add('r.ended_at >= to_timestamp($? / 1000.0)', query.sinceMs);
    if (query.untilMs !== undefined) w.add('r.started_at < to_timestamp($? / 1000.0)', query.untilMs);
    if (query.node !== undefined) w.add('$? = ANY(r.nodes)', query.node);
    if (query.jobId !== undefined) w.add('r.job_id = $?', query.jobId);
    if (query.pageToken) {
      const after = parseToken(query.pageToken);
      w.add('(r.ended_at, r.attempt_id) > (to_timestamp($? / 1000.0), $?)', after.endedAt, after.attemptId);
    }
    const rows = await this.sql.query<{ record: UsageRecord; preemptions: number }>(
      `SELECT r.record,
              (SELECT count(*) FROM usage_records p WHERE p.job_id = r.job_id AND p.preempted AND p.attempt <= r.attempt)::integer AS preemptions
       FROM usage_records r ${w.sql()}
       ORDER BY r.ended_at, r.attempt_id LIMIT ${query.limit + 1}`,
      w.params,
    );
    const page = rows.slice(0, query.limit).map((row) => ({ ...row.record, preemptions: row.preemptions }));
    const last = page.at(-1);
    return { rows: page, nextPageToken: rows.length > query.limit && last ? makeToken(last) : '' };
  }

  /** Totals per group (team, user, UTC day) of attempts that ended in the window. */
  async usage(query: UsageQuery): Promise<UsageRow[]> {
    const w = new Where();
    w.add('ended_at >= to_timestamp($? / 1000.0)', query.sinceMs);
    w.add('ended_at < to_timestamp($? / 1000.0)', query.untilMs);
    if (query.user !== undefined) w.add('username = $?', query.user);
    if (query.team !== undefined) w.add('team = $?', query.team);
    const keys = query.groupBy.map((g) => `${GROUP_SQL[g]} AS "${g}"`);
    const groupBy = query.groupBy.length ? `GROUP BY ${query.groupBy.map((_, i) => i + 1).join(', ')} ORDER BY ${query.groupBy.map((_, i) => i + 1).join(', ')}` : '';
    const rows = await this.sql.query<Record<string, string | number>>(
      `SELECT ${[...keys, ''].join(', ')}
              count(*)::integer AS attempts, sum(gpu_hours) AS "gpuHours", sum((record->>'gpuKwh')::double precision) AS "gpuKwh",
              sum(facility_kwh) AS "facilityKwh", sum(cost) AS cost
       FROM usage_records ${w.sql()} ${groupBy}`,
      w.params,
    );
    return rows
      .filter((r) => Number(r.attempts) > 0)
      .map((r) => ({
        ...Object.fromEntries(query.groupBy.map((g) => [g, String(r[g])])),
        attempts: Number(r.attempts),
        gpuHours: Number(r.gpuHours),
        gpuKwh: Number(r.gpuKwh),
        facilityKwh: Number(r.facilityKwh),
        cost: Number(r.cost),
      }));
  }

  /** Each team's usage decayed to `nowMs`; records older than 20 half-lives weigh under a millionth and are skipped. */
  async decayedUsage(nowMs: number, halfLifeS: number): Promise<DecayedUsage> {
    const rows = await this.sql.query<{ team: string; gpu_hours: number; facility_kwh: number }>(
      `WITH aged AS (
         SELECT team, gpu_hours, facility_kwh, power(0.5::double precision, (extract(epoch FROM (to_timestamp($1 / 1000.0) - ended_at)) / $2)::double precision) AS w
         FROM usage_records WHERE ended_at >= to_timestamp(($1 - $2 * 20000.0) / 1000.0))
       SELECT team, sum(gpu_hours * w) AS gpu_hours, sum(facility_kwh * w) AS facility_kwh FROM aged GROUP BY team`,
      [nowMs, halfLifeS],
    );
    return Object.fromEntries(rows.map((r) => [r.team, { gpuHours: Number(r.gpu_hours), facilityKwh: Number(r.facility_kwh) }]));
  }
}

/** WHERE clauses with numbered parameters: `$?` becomes the next $n. */
class Where {
  readonly params: unknown[] = [];
  private readonly clauses: string[] = [];

  add(clause: string, ...values: unknown[]): void {
    let i = 0;
    this.clauses.push(
      clause.replace(/\$\?/g, () => {
        this.params.push(values[i++]);
        return `$${this.params.length}`;
      }),
    );
  }

  sql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

function makeToken(r: UsageRecord): string {
  return Buffer.from(JSON.stringify([r.endedAt, r.attemptId])).toString('base64url');
}

function parseToken(token: string): { endedAt: number; attemptId: string } {
  try {
    const [endedAt, attemptId] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof endedAt === 'number' && typeof attemptId === 'string') return { endedAt, attemptId };
  } catch {
    // falls through to the error below
  }
  throw new WattpackError('INVALID_ARGUMENT', 'pageToken: not a token this listing returned');
}
