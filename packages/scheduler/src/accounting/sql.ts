import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/**
 * Where usage records are queried: embedded PostgreSQL (PGlite: Postgres compiled to
 * WASM, no server to run) in the scheduler's state folder by default, or a site's
 * PostgreSQL at a URL. Both speak the same SQL, so the store and its migrations are
 * written once against this small interface.
 */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs `fn` in one transaction: all its statements land, or none. */
  transaction<T>(fn: (q: Pick<Sql, 'query'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type SqlTarget = { url: string } | { dir: string };

export async function openSql(target: SqlTarget): Promise<Sql> {
  return 'url' in target ? openPostgres(target.url) : openPglite(target.dir);
}

/**
 * Postgres' memory inside PGlite's WASM heap, which never shrinks: its defaults
 * (shared_buffers 128 MB) grew the heap to 189 MB; these keep it at its initial 128 MB.
 * The store's hot rows are the recent records and the indexes over them (docs/accounting.md).
 */
const PGLITE_SETTINGS = ['shared_buffers = 16MB', 'wal_buffers = 1MB', 'work_mem = 2MB', 'maintenance_work_mem = 16MB', 'temp_buffers = 2MB'];

/** An empty data folder made at build time (scripts/pglite-template.mjs), beside this module and in the package. */
const TEMPLATE = new URL('./pgdata-template.tar.gz', import.meta.url);

async function openPglite(dir: string): Promise<Sql> {
  mkdirSync(dir, { recursive: true });
  // A new store loads the template rather than run initdb, a second WASM Postgres (~500 MB
  // at its peak). Without one (tests run from source), PGlite runs initdb.
  const fresh = !existsSync(join(dir, 'PG_VERSION')) && existsSync(TEMPLATE);
  const db = await PGlite.create(dir, { postgresqlconf: PGLITE_SETTINGS, ...(fresh ? { loadDataDir: new Blob([readFileSync(TEMPLATE)]) } : {}) });
  return {
    query: async <T>(text: string, params?: unknown[]) => (await db.query<T>(text, params)).rows,
    transaction: (fn) => db.transaction((tx) => fn({ query: async <T>(text: string, params?: unknown[]) => (await tx.query<T>(text, params)).rows })),
    close: () => db.close(),
  };
}

async function openPostgres(url: string): Promise<Sql> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle client's error (the server restarting) must not crash the scheduler; the next query reconnects.
  pool.on('error', () => undefined);
  await pool.query('SELECT 1');
  return {
    query: async <T>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as T[],
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: async <T>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as T[] });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/**
 * The schema, in order; a store applies those it has not. Never edit one that shipped:
 * add the next. The advisory lock keeps two schedulers sharing a PostgreSQL from
 * migrating at once.
 */
const MIGRATIONS: readonly string[][] = [
  [
    `CREATE TABLE usage_records (
      attempt_id text PRIMARY KEY,
      job_id text NOT NULL,
      attempt integer NOT NULL,
      username text NOT NULL,
      team text NOT NULL,
      state text NOT NULL,
      nodes text[] NOT NULL,
      started_at timestamptz NOT NULL,
      ended_at timestamptz NOT NULL,
      gpu_hours double precision NOT NULL,
      facility_kwh double precision NOT NULL,
      cost double precision NOT NULL,
      preempted boolean NOT NULL,
      record jsonb NOT NULL
    )`,
    'CREATE INDEX usage_records_ended ON usage_records (ended_at)',
    'CREATE INDEX usage_records_user ON usage_records (username, ended_at)',
    'CREATE INDEX usage_records_team ON usage_records (team, ended_at)',
    'CREATE INDEX usage_records_job ON usage_records (job_id)',
    // The last stream sequence stored: ingest resumes after it; a new (or lost) store starts from 0.
    'CREATE TABLE ingest_cursor (id integer PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL)',
    'INSERT INTO ingest_cursor VALUES (1, 0)',
  ],
];

export async function migrate(sql: Sql): Promise<void> {
  await sql.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  await sql.transaction(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock(7700)');
    const done = new Set((await q.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    for (const [i, statements] of MIGRATIONS.entries()) {
      if (done.has(i + 1)) continue;
      for (const s of statements) await q.query(s);
      await q.query('INSERT INTO schema_migrations (version) VALUES ($1)', [i + 1]);
    }
  });
}
