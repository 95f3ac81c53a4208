import type { JetStreamClient } from 'nats';
import { Backoff, STREAMS, SUBJECTS, json, usageRecordSchema, type Logger, type UsageRecord } from '@wattpack/common/daemon';
import type { UsageQueries } from '../accounting/store-thread.js';
import { crashPoint } from '../crash-point.js';

/**
 * Puts a usage record on the accounting stream; a second copy of an attempt's record is
 * dropped by the stream (Nats-Msg-Id). By state: a lost attempt's late result follows its
 * REQUEUED record (job-transitions `settleLate`).
 */
export async function publishUsage(js: JetStreamClient, record: UsageRecord): Promise<void> {
  crashPoint('before-usage-publish');
  await js.publish(SUBJECTS.accounting, json.encode(record), { msgID: `usage:${record.attemptId}:${record.state}` });
}

/** Records stored in one transaction at most. */
const INSERT_BATCH = 256;

/**
 * Copies the accounting stream into the SQL store, from just after the last sequence the
 * store holds: a new or lost store (cursor 0) rebuilds from the start of the stream. An
 * ordered consumer keeps no state on the server; the store's cursor is the only mark, and
 * it moves in the same transaction as the insert, so a crash in between reads the records
 * again and the insert ignores the copies. What arrives while a transaction runs goes
 * into the next one together (group commit): one commit per record cost a third of the
 * scheduler's CPU at 100 jobs/s.
 */
export async function ingestUsage(js: JetStreamClient, store: UsageQueries, log: Logger): Promise<{ stop(): Promise<void> }> {
  const from = (await store.cursor()) + 1;
  const consumer = await js.consumers.get(STREAMS.accounting, { opt_start_seq: from });
  const messages = await consumer.consume();
  let stopping = false;
  if (from === 1) log.info('accounting store is empty: reading the whole accounting stream');
  const waiting: { record: UsageRecord; seq: number }[] = [];
  let inserting: Promise<void> | undefined;
  const insertWaiting = async () => {
    while (waiting.length > 0 && !stopping) {
      const batch = waiting.splice(0, INSERT_BATCH);
      await insertUntilStored(store, batch.map((w) => w.record), batch.at(-1)!.seq, () => stopping, log);
    }
    inserting = undefined;
  };
  const done = (async () => {
    for await (const m of messages) {
      const parsed = usageRecordSchema.safeParse(decode(m.data));
      if (!parsed.success) {
        log.warn({ seq: m.seq }, 'dropping a malformed usage record');
        continue;
      }
      waiting.push({ record: parsed.data, seq: m.seq });
      inserting ??= insertWaiting();
      if (waiting.length >= INSERT_BATCH) await inserting;
    }
    await inserting;
  })();
  return {
    async stop() {
      stopping = true;
      await messages.close();
      await done;
    },
  };
}

/** The database may be away (a PostgreSQL restart): retry, in order, until it takes the records or ingest stops. */
async function insertUntilStored(store: UsageQueries, records: UsageRecord[], seq: number, stopping: () => boolean, log: Logger): Promise<void> {
  const backoff = new Backoff(200, 5000);
  crashPoint('before-usage-insert');
  while (!stopping()) {
    try {
      return await store.insert(records, seq);
    } catch (err) {
      log.error({ err: String(err), attempts: records.map((r) => r.attemptId) }, 'storing usage records failed: retrying');
      await backoff.wait();
    }
  }
}

function decode(data: Uint8Array): unknown {
  try {
    return json.decode(data);
  } catch {
    return undefined;
  }
}
