import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { identityOf, identityOfPeer } from './identity.js';
import { createCa, issueCertificate } from './pki.js';

describe('a peer identity from the fields TLS read (no second parse)', () => {
  it('is the identity X509Certificate reads from the same certificate: name, role, teams in order, serial, issued', async () => {
    const ca = await createCa('test-site', 1);
    const server = await issueCertificate(ca, { name: 'scheduler', role: 'scheduler', teams: [] }, { days: 1, hosts: ['127.0.0.1'] });
    const client = await issueCertificate(ca, { name: 'alice', role: 'operator', teams: ['vision', 'nlp', 'ops'] }, { days: 1 });
    const tls = createServer({ ca: ca.certPem, cert: server.certPem, key: server.keyPem, requestCert: true, rejectUnauthorized: true });
    const seen = new Promise<PeerCertificate>((resolve) => tls.once('secureConnection', (s) => resolve(s.getPeerCertificate())));
    tls.listen(0, '127.0.0.1');
    await once(tls, 'listening');
    const socket = connect({ host: '127.0.0.1', port: (tls.address() as AddressInfo).port, ca: ca.certPem, cert: client.certPem, key: client.keyPem });
    try {
      const peer = await seen;
      expect(identityOfPeer(peer)).toEqual(identityOf(client.certPem));
      expect(identityOfPeer(peer)).toMatchObject({ name: 'alice', role: 'operator', teams: ['vision', 'nlp', 'ops'], serial: client.serial });
    } finally {
      socket.destroy();
      tls.close();
    }
  });

  it('refuses a certificate naming no wattpack role', () => {
    expect(() => identityOfPeer({ subject: { CN: 'x', OU: 'janitor' }, serialNumber: '01', valid_from: 'Nov 30 00:00:00 2026 GMT' })).toThrow(/names no wattpack identity/);
  });
});
