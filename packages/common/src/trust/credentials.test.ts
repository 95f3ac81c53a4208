import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCredentials } from './credential-files.js';
import { grpcChannelCredentials, grpcServerCredentials, peerIdentity } from './credentials.js';
import { localSiteTrust } from './local-site.js';

/** One unary method that passes bytes through: enough to make calls over mTLS. */
const bytes = (b: Buffer) => b;
const SERVICE = { echo: { path: '/test.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: bytes, requestDeserialize: bytes, responseSerialize: bytes, responseDeserialize: bytes } };
const Client = grpc.makeGenericClientConstructor(SERVICE, 'Echo');

describe('the TLS peer of gRPC calls (a real mTLS server)', () => {
  let server: grpc.Server;
  let port: number;
  let trust: Awaited<ReturnType<typeof localSiteTrust>>;
  /** What each call saw: its auth context (the object) and the identity made of it. */
  const seen: { context: object; name?: string }[] = [];

  beforeAll(async () => {
    trust = await localSiteTrust(mkdtempSync(join(tmpdir(), 'wattpack-peer-')), ['n1', 'n2']);
    server = new grpc.Server();
    server.addService(SERVICE, {
      echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
        seen.push({ context: call.getAuthContext(), name: peerIdentity(call)?.name });
        done(null, Buffer.alloc(0));
      },
    });
    port = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', grpcServerCredentials(loadCredentials(trust.schedulerCredentials)), (err, p) => (err ? reject(err) : resolve(p))));
  }, 60_000);
  afterAll(() => server?.forceShutdown());

  const calls = async (nodeId: string, n: number) => {
    const client = new Client(`127.0.0.1:${port}`, grpcChannelCredentials(loadCredentials(trust.nodeCredentials(nodeId))));
    try {
      for (let i = 0; i < n; i++) await new Promise((resolve, reject) => client.makeUnaryRequest(SERVICE.echo.path, bytes, bytes, Buffer.alloc(0), (err, res) => (err ? reject(err) : resolve(res))));
    } finally {
      client.close();
    }
  };

  it("reads a connection's certificate once: its calls share one auth context, and each gets the connection's identity", async () => {
    seen.length = 0;
    await calls('n1', 3);
    await calls('n2', 2);
    expect(seen.map((s) => s.name)).toEqual(['n1', 'n1', 'n1', 'n2', 'n2']);
    // patches/@grpc__grpc-js@1.14.7.patch: one object per TLS 1.3 connection, not one parsed per call.
    expect(new Set(seen.slice(0, 3).map((s) => s.context)).size).toBe(1);
    expect(new Set(seen.slice(3).map((s) => s.context)).size).toBe(1);
    expect(seen[0]!.context).not.toBe(seen[3]!.context);
  });
});
