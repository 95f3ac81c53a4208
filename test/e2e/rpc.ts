import * as grpc from '@grpc/grpc-js';
import { loadProto } from '@wattpack/common';

/** Polls `probe` until it gives a value (not undefined or false); the last error is in the timeout's message. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** A SchedulerService client with promises: unary calls, and streams read to their end. */
export interface RpcClient {
  rpc<T>(method: string, request: object): Promise<T>;
  /** Every message of a server stream (WatchJob, JobLogs) until it ends; rejects with its error. */
  stream<T>(method: string, request: object, timeoutMs?: number): Promise<T[]>;
  close(): void;
}

/** `options`: the channel's, e.g. a short reconnect backoff for a client that times a restart. */
export function rpcClient(address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions): RpcClient {
  const Client = loadProto().wattpack.v1.SchedulerService;
  const client = new Client(address, credentials, options) as unknown as Record<string, (req: object, opts: object, cb?: (err: Error | null, res: unknown) => void) => unknown>;
  return {
    rpc: <T>(method: string, request: object) =>
      new Promise<T>((resolve, reject) => client[method]!.call(client, request, { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res as T)))),
    stream: <T>(method: string, request: object, timeoutMs = 5000) =>
      new Promise<T[]>((resolve, reject) => {
        const out: T[] = [];
        const call = client[method]!.call(client, request, { deadline: Date.now() + timeoutMs }) as grpc.ClientReadableStream<T>;
        call.on('data', (m: T) => out.push(m));
        call.on('error', reject);
        call.on('end', () => resolve(out));
      }),
    close: () => (client as unknown as grpc.Client).close(),
  };
}
