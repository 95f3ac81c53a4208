import * as grpc from '@grpc/grpc-js';
import { LRUCache } from 'lru-cache';
import { constants } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import type { Credentials } from './credential-files.js';
import { identityOfPeer, type Identity } from './identity.js';

/** Every client must present a certificate from the site CA (mTLS), people included. */
export function grpcServerCredentials(c: Credentials): grpc.ServerCredentials {
  if (c.insecure) return grpc.ServerCredentials.createInsecure();
  return new TicketlessCredentials(grpc.ServerCredentials.createSsl(Buffer.from(c.caPem), [{ cert_chain: Buffer.from(c.certPem), private_key: Buffer.from(c.keyPem) }], true));
}

/**
 * grpc-js's mTLS credentials, without TLS session tickets. grpc-js clients (agents, the
 * CLI) never offer a saved session, so a ticket is never used, yet OpenSSL makes two per
 * handshake by copying the session, the client's certificate decoded again: 0.3 of the
 * 1.2 ms of OpenSSL work in a handshake (perf of a restarted scheduler, docs/benchmarks.md),
 * 3,200 of them when a site's agents come back. No tickets: no ticket key to protect.
 */
class TicketlessCredentials extends grpc.ServerCredentials {
  constructor(ssl: grpc.ServerCredentials) {
    super(ssl._getConstructorOptions(), { ...ssl._getSecureContextOptions(), secureOptions: constants.SSL_OP_NO_TICKET });
  }

  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

export function grpcChannelCredentials(c: Credentials): grpc.ChannelCredentials {
  if (c.insecure) return grpc.credentials.createInsecure();
  silenceIpServerNameWarning();
  return grpc.credentials.createSsl(Buffer.from(c.caPem), Buffer.from(c.keyPem), Buffer.from(c.certPem));
}

/**
 * Identities of the certificates peers presented lately, by the whole certificate (DER): an
 * API client calls many times on one connection, and a site's 3,200 agents reconnect at
 * once after a scheduler restart. A hit is the very certificate TLS has just verified, so
 * this trusts nothing more than reading it would. Identities are frozen.
 */
const peers = new LRUCache<string, Identity>({ max: 10_000 });

/** A gRPC call, as far as its peer's identity goes. */
export interface PeerCall {
  getAuthContext(): { sslPeerCertificate?: PeerCertificate };
}

/**
 * Identities by the certificate object of a connection: grpc-js (patched,
 * patches/@grpc__grpc-js@1.14.7.patch) gives every call of a TLS 1.3 connection the same
 * one, so a call costs a lookup, not a base64 copy of the certificate.
 */
const connections = new WeakMap<object, Identity>();

/** The identity a TLS peer proved, from a gRPC call; undefined on an insecure server. */
export function peerIdentity(call: PeerCall): Identity | undefined {
  const cert = call.getAuthContext().sslPeerCertificate;
  if (!cert?.raw) return undefined;
  let id = connections.get(cert);
  if (id) return id;
  const key = cert.raw.toString('base64');
  id = peers.get(key);
  if (!id) {
    id = Object.freeze(identityOfPeer(cert));
    peers.set(key, id);
  }
  connections.set(cert, id);
  return id;
}

let silenced = false;
/**
 * grpc-js passes an IP target (127.0.0.1:7700) as the TLS server name, and Node warns
 * (DEP0123) on every such connection; the certificate is still checked against the IP in
 * its subject alternative names. Drop that one warning, so that a CLI run prints only what
 * the user asked for.
 */
function silenceIpServerNameWarning(): void {
  if (silenced) return;
  silenced = true;
  const emit = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const code = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
    if (code === 'DEP0123') return;
    (emit as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
