import { headers as natsHeaders, KvWatchInclude, type JetStreamClient, type NatsConnection } from 'nats';
import { BUCKETS, STREAMS, WattpackError, ensureAccountingStream, ensureAuditStream, ensureStreams, wattpackVersion } from '@wattpack/common/daemon';
import { openBucket } from './kv-store.js';

/**
 * A site's state as JSON lines, one record a line: the KV buckets (jobs, nodes, site
 * settings and revocations) and the history streams (job logs, the audit log, the usage
 * records the accounting store is built from). Commands
 * and events in flight are not kept: they are work queues, and a scheduler started on the
 * restored state reconciles with what its agents report (docs/operations.md).
 */
export const BACKUP_BUCKETS = [BUCKETS.jobs, BUCKETS.nodes, BUCKETS.site] as const;
export const BACKUP_STREAMS = [STREAMS.logs, STREAMS.audit, STREAMS.accounting] as const;
const FORMAT = 'wattpack-backup/1';

type Line =
  | { format: string; wattpack: string; createdAt: string }
  | { bucket: string; key: string; value: string }
  | { stream: string; subject: string; data: string; headers?: [string, string][]; time: string };

export interface BackupCounts {
  /** Keys per bucket and messages per stream. */
  [name: string]: number;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Writes the site's state through `write`, one JSON line a call. */
export async function backupState(nc: NatsConnection, write: (line: string) => void): Promise<BackupCounts> {
  const put = (line: Line) => write(`${JSON.stringify(line)}\n`);
  put({ format: FORMAT, wattpack: wattpackVersion(), createdAt: new Date().toISOString() });
  const counts: BackupCounts = {};
  const js = nc.jetstream();
  for (const bucket of BACKUP_BUCKETS) {
    counts[bucket] = 0;
    const kv = await js.views.kv(bucket, { bindOnly: true });
    if ((await kv.status()).values === 0) continue;
    const watcher = await kv.watch({ include: KvWatchInclude.LastValue });
    for await (const e of watcher) {
      if (e.operation === 'PUT') {
        put({ bucket, key: e.key, value: b64(e.value) });
        counts[bucket]++;
      }
      if (e.delta === 0) break;
    }
    watcher.stop();
  }
  const jsm = await nc.jetstreamManager();
  for (const stream of BACKUP_STREAMS) {
    counts[stream] = 0;
    const { state } = await jsm.streams.info(stream);
    if (state.messages === 0) continue;
    const messages = await (await js.consumers.get(stream)).consume();
    for await (const m of messages) {
      const headers = m.headers ? [...m.headers].flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v])) : undefined;
      put({ stream, subject: m.subject, data: b64(m.data), time: m.info.timestampNanos ? new Date(m.info.timestampNanos / 1e6).toISOString() : '', ...(headers?.length ? { headers } : {}) });
      counts[stream]++;
      if (m.seq >= state.last_seq) break;
    }
    await messages.close();
  }
  return counts;
}

function parseLine(text: string, n: number): Line {
  try {
    return JSON.parse(text) as Line;
  } catch {
    throw new WattpackError('INVALID_ARGUMENT', `backup line ${n}: not JSON`);
  }
}

/**
 * Loads a backup into a site whose NATS holds no jobs yet (a new or wiped store), with no
 * scheduler running: the buckets and streams are made as the scheduler makes them.
 * Stream messages get new sequence numbers and times; their bodies and headers are kept.
 * `openLines` is called once the buckets and streams exist.
 */
export async function restoreState(nc: NatsConnection, openLines: () => AsyncIterable<string>, replicas = 1): Promise<BackupCounts> {
  const js: JetStreamClient = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  await ensureStreams(jsm, replicas);
  await ensureAuditStream(jsm, replicas);
  await ensureAccountingStream(jsm, replicas);
  const kvs = new Map(await Promise.all(BACKUP_BUCKETS.map(async (b) => [b, await openBucket(js, b, replicas)] as const)));
  const jobs = (await kvs.get(BUCKETS.jobs)!.status()).values;
  if (jobs > 0) throw new WattpackError('FAILED_PRECONDITION', `${BUCKETS.jobs} already holds ${jobs} job(s): restore into an empty NATS store, with every scheduler stopped`);
  const counts: BackupCounts = {};
  let n = 0;
  // Opened only now: a readline interface made earlier would emit lines nobody reads yet.
  for await (const text of openLines()) {
    n++;
    if (!text.trim()) continue;
    const line = parseLine(text, n);
    if ('format' in line) {
      if (line.format !== FORMAT) throw new WattpackError('INVALID_ARGUMENT', `backup line ${n}: format "${String(line.format).slice(0, 40)}" is not ${FORMAT}`);
    } else if ('bucket' in line) {
      const kv = kvs.get(line.bucket as (typeof BACKUP_BUCKETS)[number]);
      if (!kv) throw new WattpackError('INVALID_ARGUMENT', `backup line ${n}: bucket "${String(line.bucket).slice(0, 40)}" is not one of ${BACKUP_BUCKETS.join(', ')}`);
      await kv.put(line.key, Buffer.from(line.value, 'base64'));
      counts[line.bucket] = (counts[line.bucket] ?? 0) + 1;
    } else if ('stream' in line && (BACKUP_STREAMS as readonly string[]).includes(line.stream)) {
      const h = natsHeaders();
      for (const [k, v] of line.headers ?? []) h.append(k, v);
      await js.publish(line.subject, Buffer.from(line.data, 'base64'), { headers: h, expect: { streamName: line.stream } });
      counts[line.stream] = (counts[line.stream] ?? 0) + 1;
    } else {
      throw new WattpackError('INVALID_ARGUMENT', `backup line ${n}: neither a bucket key nor a message of ${BACKUP_STREAMS.join(', ')}`);
    }
  }
  if (n === 0) throw new WattpackError('INVALID_ARGUMENT', 'the backup is empty');
  return counts;
}
