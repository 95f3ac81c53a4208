import { X509Certificate, createPrivateKey, sign, verify, type KeyObject } from 'node:crypto';
import { headers as natsHeaders, type MsgHdrs } from 'nats';
import type { Credentials } from './credential-files.js';
import { identityOf, type Identity } from './identity.js';

/**
 * Commands are signed by the scheduler that sends them, so an agent runs nothing on the
 * word of whoever managed to publish on its subject. ECDSA P-256 / SHA-256 with the key
 * of the scheduler's certificate, over the subject and the exact payload bytes (a command
 * for one node is no use on another's subject). The signature and the signer's
 * certificate travel in NATS headers; the agent checks that certificate against the
 * site CA it already holds.
 */
export const COMMAND_HEADERS = {
  /** Base64 DER ECDSA signature. */
  signature: 'Wattpack-Signature',
  /** Base64 DER certificate of the signer. */
  signer: 'Wattpack-Signer',
} as const;

const CONTEXT = 'wattpack command v1';

const signedBytes = (subject: string, payload: Uint8Array): Buffer => Buffer.concat([Buffer.from(`${CONTEXT}\n${subject}\n`), payload]);

export interface CommandSigner {
  /** NATS headers that carry the signature of `payload` on `subject`. */
  headers(subject: string, payload: Uint8Array): MsgHdrs;
}

/** The scheduler's signer; undefined in insecure mode, where nothing is signed. */
export function commandSigner(c: Credentials): CommandSigner | undefined {
  if (c.insecure) return undefined;
  return signerOf(c.certPem, c.keyPem);
}

/** Signs with any certificate and key (tests sign with keys that must be refused). */
export function signerOf(certPem: string, keyPem: string): CommandSigner {
  const key = createPrivateKey(keyPem);
  const cert = new X509Certificate(certPem).raw.toString('base64');
  return {
    headers(subject, payload) {
      const h = natsHeaders();
      h.set(COMMAND_HEADERS.signature, sign('sha256', signedBytes(subject, payload), key).toString('base64'));
      h.set(COMMAND_HEADERS.signer, cert);
      return h;
    },
  };
}

export type Verdict = { ok: true; signer: Identity } | { ok: false; reason: string };

/** Signer certificates already checked against the CA, by their base64 DER. */
const CACHE_SIZE = 8;

/**
 * Checks a command's signature: the signer's certificate chains to the site CA, names
 * the role scheduler and is valid now, and its key signed exactly this subject and payload.
 */
export class CommandVerifier {
  private readonly ca: X509Certificate;
  private readonly known = new Map<string, { identity: Identity; key: KeyObject; notBefore: number; notAfter: number }>();

  constructor(
    caPem: string,
    private readonly now: () => number = Date.now,
  ) {
    this.ca = new X509Certificate(caPem);
  }

  verify(subject: string, payload: Uint8Array, headers: MsgHdrs | undefined): Verdict {
    const signature = headers?.get(COMMAND_HEADERS.signature);
    const certB64 = headers?.get(COMMAND_HEADERS.signer);
    if (!signature || !certB64) return { ok: false, reason: 'unsigned' };
    const signer = this.signer(certB64);
    if ('reason' in signer) return { ok: false, reason: signer.reason };
    const now = this.now();
    if (now < signer.notBefore || now > signer.notAfter) return { ok: false, reason: `the certificate of ${signer.identity.name} is not valid now` };
    let good = false;
    try {
      good = verify('sha256', signedBytes(subject, payload), signer.key, Buffer.from(signature, 'base64'));
    } catch {
      good = false;
    }
    return good ? { ok: true, signer: signer.identity } : { ok: false, reason: `the signature of ${signer.identity.name} does not match the command` };
  }

  private signer(certB64: string): { identity: Identity; key: KeyObject; notBefore: number; notAfter: number } | { reason: string } {
    const hit = this.known.get(certB64);
    if (hit) return hit;
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(Buffer.from(certB64, 'base64'));
    } catch {
      return { reason: 'the signer certificate is not a certificate' };
    }
    if (!cert.checkIssued(this.ca) || !cert.verify(this.ca.publicKey)) return { reason: 'the signer certificate is not from the site CA' };
    let identity: Identity;
    try {
      identity = identityOf(cert);
    } catch {
      return { reason: 'the signer certificate names no wattpack identity' };
    }
    if (identity.role !== 'scheduler') return { reason: `signed by ${identity.role} ${identity.name}, not by a scheduler` };
    const entry = { identity, key: cert.publicKey, notBefore: Date.parse(cert.validFrom), notAfter: Date.parse(cert.validTo) };
    if (this.known.size >= CACHE_SIZE) this.known.delete(this.known.keys().next().value!);
    this.known.set(certB64, entry);
    return entry;
  }
}
