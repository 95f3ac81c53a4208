import type { JetStreamClient } from 'nats';
import { Backoff, STREAMS, SUBJECTS, json, usageRecordSchema, type Logger, type UsageRecord } from '@wattpack/common';
import type { UsageQueries } from '../accounting/store-thread.js';
import { crashPoint } from '../crash-point.js';

/** Puts a usage record on the accounting stream; a second copy of an attempt's is dropped by the stream (Nats-Msg-Id). */
export async function publishUsage(js: JetStreamClient, record: UsageRecord): Promise<void> {
  crashPoint('before-usage-publish');
  await js.publish(SUBJECTS.accounting, json.encode(record), { msgID: `usage:${record.attemptId}` });
}

/**
 * Copies the accounting stream into the SQL store, from just after the last sequence the
 * store holds: a new or lost store (cursor 0) rebuilds from the start of the stream. An
 * ordered consumer keeps no state on the server; the store's cursor is the only mark, and
 * it moves in the same transaction as the insert, so a crash in between reads the record
 * again and the insert ignores the copy.
 */
export async function ingestUsage(js: JetStreamClient, store: UsageQueries, log: Logger): Promise<{ stop(): Promise<void> }> {
  const from = (await store.cursor()) + 1;
  const consumer = await js.consumers.get(STREAMS.accounting, { opt_start_seq: from });
  const messages = await consumer.consume();
  let stopping = false;
  if (from === 1) log.info('accounting store is empty: reading the whole accounting stream');
  const done = (async () => {
    for await (const m of messages) {
      const parsed = usageRecordSchema.safeParse(decode(m.data));
      if (!parsed.success) {
        log.warn({ seq: m.seq }, 'dropping a malformed usage record');
        continue;
      }
      crashPoint('before-usage-insert');
      // The database may be away (a PostgreSQL restart): retry, in order, until it takes the record.
      const backoff = new Backoff(200, 5000);
      while (!stopping) {
        try {
          await store.insert(parsed.data, m.seq);
          break;
        } catch (err) {
          log.error({ err: String(err), attempt: parsed.data.attemptId }, 'storing a usage record failed: retrying');
          await backoff.wait();
        }
      }
    }
  })();
  return {
    async stop() {
      stopping = true;
      await messages.close();
      await done;
    },
  };
}

function decode(data: Uint8Array): unknown {
  try {
    return json.decode(data);
  } catch {
    return undefined;
  }
}
