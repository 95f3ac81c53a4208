import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { LRUCache } from 'lru-cache';
import { nkeyAuthenticator, type ConnectionOptions } from 'nats';
import { SUBJECTS } from '../bus/subjects.js';
import { WattpackError } from '../errors.js';
import { identityOf, type Identity } from './identity.js';

/**
 * A component's credentials: the site CA it trusts, its certificate and key, and the
 * nkey seed it signs in to NATS with (a folder the site PKI wrote: ca.pem, cert.pem,
 * key.pem, nats.nk). `insecure` is the debugging mode without any of it.
 */
export type Credentials =
  | { insecure: false; caPem: string; certPem: string; keyPem: string; natsSeed?: string; identity: Identity }
  | { insecure: true };

export const INSECURE: Credentials = { insecure: true };

export function loadCredentials(dir: string): Credentials {
  const read = (file: string, required = true) => {
    const path = join(dir, file);
    if (!existsSync(path)) {
      if (!required) return undefined;
      throw new WattpackError('FAILED_PRECONDITION', `credentials: ${path} is missing (issue them with "wattpack-scheduler issue")`);
    }
    return readFileSync(path, 'utf8');
  };
  const certPem = read('cert.pem')!;
  return { insecure: false, caPem: read('ca.pem')!, certPem, keyPem: read('key.pem')!, natsSeed: read('nats.nk', false)?.trim(), identity: identityOf(certPem) };
}

/** Every client must present a certificate from the site CA (mTLS), people included. */
export function grpcServerCredentials(c: Credentials): grpc.ServerCredentials {
  if (c.insecure) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(Buffer.from(c.caPem), [{ cert_chain: Buffer.from(c.certPem), private_key: Buffer.from(c.keyPem) }], true);
}

export function grpcChannelCredentials(c: Credentials): grpc.ChannelCredentials {
  if (c.insecure) return grpc.credentials.createInsecure();
  silenceIpServerNameWarning();
  return grpc.credentials.createSsl(Buffer.from(c.caPem), Buffer.from(c.keyPem), Buffer.from(c.certPem));
}

/**
 * TLS to nats-server (verified against the site CA) and the component's nkey. A node's
 * replies come to its own inbox prefix, the only one its NATS user may subscribe to.
 */
export function natsConnectionOptions(c: Credentials): Partial<ConnectionOptions> {
  if (c.insecure) return {};
  if (!c.natsSeed) throw new WattpackError('FAILED_PRECONDITION', `credentials of ${c.identity.name} hold no NATS key (nats.nk)`);
  return {
    tls: { ca: c.caPem },
    authenticator: nkeyAuthenticator(new TextEncoder().encode(c.natsSeed)),
    ...(c.identity.role === 'node' ? { inboxPrefix: SUBJECTS.inbox(c.identity.name) } : {}),
  };
}

/**
 * Identities of the certificates peers presented lately, by the whole certificate (DER):
 * parsing one costs ~0.1-0.7 ms, on every API call and agent stream, and a site's 3,200
 * agents reconnect at once after a scheduler restart. A hit is the very certificate TLS
 * has just verified, so this trusts nothing more than parsing would. Identities are frozen.
 */
const peers = new LRUCache<string, Identity>({ max: 10_000 });

/** The identity a TLS peer proved, from a gRPC call; undefined on an insecure server. */
export function peerIdentity(call: { getAuthContext(): { sslPeerCertificate?: { raw: Buffer } } }): Identity | undefined {
  const raw = call.getAuthContext().sslPeerCertificate?.raw;
  if (!raw) return undefined;
  const key = raw.toString('base64');
  let id = peers.get(key);
  if (!id) {
    id = Object.freeze(identityOf(raw));
    peers.set(key, id);
  }
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
