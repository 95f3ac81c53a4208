import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
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

  /** A TLS connection as a node, offering `session`: whether it was resumed, and (once TLS 1.3 sends it after the handshake) the session it was given. */
  const handshake = async (session?: Buffer) => {
    const creds = loadCredentials(trust.nodeCredentials('n1'));
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, ca: creds.caPem, cert: creds.certPem, key: creds.keyPem, ALPNProtocols: ['h2'], checkServerIdentity: () => undefined, ...(session ? { session } : {}) });
    const given = new Promise<Buffer>((resolve) => socket.once('session', resolve));
    await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    return { socket, resumed: socket.isSessionReused(), given };
  };

  it('issues no resumable TLS session: gRPC clients never resume, and each ticket cost the server a copy of the session', async () => {
    const first = await handshake();
    const offered = await first.given;
    first.socket.destroy();
    const again = await handshake(offered);
    again.socket.destroy();
    expect(again.resumed).toBe(false);
    // Still mutual TLS: a client without a certificate of the site is refused.
    const creds = loadCredentials(trust.nodeCredentials('n1'));
    const anonymous = connect({ host: '127.0.0.1', port, ca: creds.caPem, ALPNProtocols: ['h2'], checkServerIdentity: () => undefined });
    await expect(new Promise((_, reject) => anonymous.once('error', reject))).rejects.toThrow(/certificate required/);
    anonymous.destroy();
  });
});
