// @peculiar/x509 builds certificates on WebCrypto and needs the decorator metadata polyfill.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { ISSUE_SKEW_MS, subjectOf, type Identity } from './identity.js';

/**
 * The site's certificate authority and the certificates it issues. ECDSA P-256: small,
 * fast, and what TLS stacks (Node, nats-server's Go) accept everywhere.
 */
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const crypto = webcrypto;
type CryptoKey = webcrypto.CryptoKey;
x509.cryptoProvider.set(crypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const DAY_MS = 86_400_000;
/** Clock skew between hosts: a fresh certificate is valid from a little before now. */
const SKEW_MS = ISSUE_SKEW_MS;

export interface Issued {
  certPem: string;
  keyPem: string;
  serial: string;
  notAfter: string;
}

export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

const pemKey = async (key: CryptoKey) => x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
/** Positive 128-bit serials (RFC 5280: at most 20 octets, non-negative). */
const serial = () => {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  bytes[0]! |= 0x01;
  return bytes.toString('hex');
};

export async function createCa(site: string, days = 3650): Promise<CertificateAuthority> {
  const keys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=wattpack site CA ${site}`,
    notBefore: new Date(now - SKEW_MS),
    notAfter: new Date(now + days * DAY_MS),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await pemKey(keys.privateKey) };
}

/**
 * A certificate for one identity. Servers (scheduler, nats) get the host names and
 * addresses clients dial as subject alternative names; every certificate may act as a
 * TLS client (the scheduler and nodes are also NATS clients).
 */
export async function issueCertificate(ca: CertificateAuthority, id: Omit<Identity, 'serial'>, opts: { days: number; hosts?: string[] }): Promise<Issued> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.keyPem), ALG, false, ['sign']);
  const keys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const now = Date.now();
  const hosts = opts.hosts ?? [];
  const usages = hosts.length ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth] : [x509.ExtendedKeyUsage.clientAuth];
  const sn = serial();
  const notAfter = new Date(now + opts.days * DAY_MS);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: sn,
    subject: subjectOf(id),
    issuer: caCert.subject,
    notBefore: new Date(now - SKEW_MS),
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension(usages),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      ...(hosts.length
        ? [new x509.SubjectAlternativeNameExtension(hosts.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h })))]
        : []),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await pemKey(keys.privateKey), serial: sn, notAfter: notAfter.toISOString() };
}
