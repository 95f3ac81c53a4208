import { Worker } from 'node:worker_threads';
import { WattpackError, type ErrorCode } from '@wattpack/common/daemon';
import type { SqlTarget } from './sql.js';
import type { UsageStore } from './store.js';

/** What the scheduler asks of the accounting store. */
export type UsageQueries = Pick<UsageStore, 'cursor' | 'insert' | 'history' | 'usage' | 'decayedUsage' | 'close'>;
type Method = keyof UsageQueries;

export interface StoreCall {
  id: number;
  method: Method;
  args: unknown[];
}

export interface StoreReply {
  id: number;
  result?: unknown;
  error?: { code: ErrorCode; message: string };
}

/**
 * The accounting store in a worker thread. PGlite runs Postgres as WASM on the thread that
 * calls it: opening it (initdb on a new folder) or a long query would hold the scheduler's
 * event loop for seconds, past its leader lease. In a worker, only the worker waits.
 */
export async function openUsageStoreThread(target: SqlTarget): Promise<UsageQueries> {
  const worker = new Worker(new URL('./store-worker.js', import.meta.url), { workerData: target });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 1;
  const failAll = (err: Error) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('error', (err) => failAll(new WattpackError('UNAVAILABLE', `the accounting store stopped: ${err.message}`)));
  worker.on('exit', () => failAll(new WattpackError('UNAVAILABLE', 'the accounting store stopped')));
  await new Promise<void>((resolve, reject) => {
    worker.once('message', (reply: StoreReply) => (reply.error ? reject(new WattpackError(reply.error.code, reply.error.message)) : resolve()));
    worker.once('error', reject);
  }).catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });
  worker.on('message', (reply: StoreReply) => {
    const w = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (reply.error) w?.reject(new WattpackError(reply.error.code, reply.error.message));
    else w?.resolve(reply.result);
  });
  const call = <T>(method: Method, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, method, args } satisfies StoreCall);
    });
  return {
    cursor: () => call('cursor'),
    insert: (record, seq) => call('insert', record, seq),
    history: (query) => call('history', query),
    usage: (query) => call('usage', query),
    decayedUsage: (nowMs, halfLifeS) => call('decayedUsage', nowMs, halfLifeS),
    async close() {
      await call('close');
      await worker.terminate();
    },
  };
}
