import { parentPort, workerData } from 'node:worker_threads';
import { WattpackError } from '@wattpack/common/daemon';
import type { SqlTarget } from './sql.js';
import { UsageStore } from './store.js';
import type { StoreCall, StoreReply } from './store-thread.js';

/** The worker side of store-thread.ts: one UsageStore, its methods called by message. */
const port = parentPort!;
try {
  const store = await UsageStore.open(workerData as SqlTarget);
  port.on('message', (call: StoreCall) => {
    const method = store[call.method] as (...args: unknown[]) => Promise<unknown>;
    method.apply(store, call.args).then(
      (result) => port.postMessage({ id: call.id, result } satisfies StoreReply),
      (err: unknown) => {
        const e = WattpackError.from(err);
        port.postMessage({ id: call.id, error: { code: e.code, message: e.message } } satisfies StoreReply);
      },
    );
  });
  port.postMessage({ id: 0, result: 'ready' } satisfies StoreReply);
} catch (err) {
  port.postMessage({ id: 0, error: { code: 'UNAVAILABLE', message: String(err) } } satisfies StoreReply);
}
