import { WattpackError, peerIdentity, roleAtLeast, type Identity } from '@wattpack/shared';

/** What a call offers to tell who made it: the TLS peer of its connection. */
export interface Caller {
  getAuthContext(): { sslPeerCertificate?: { raw: Buffer } };
}

/**
 * Who made a call: the identity in the client certificate the TLS handshake verified
 * against the site CA. Metadata and message bodies never name the caller. A scheduler
 * started with --insecure has no peers to verify and treats every caller as an admin.
 */
export function callerOf(call: Caller): Identity {
  const id = peerIdentity(call);
  return id ?? { name: 'anonymous', role: 'admin', teams: ['*'], serial: '' };
}

/** The one place that decides who may operate the site (drain, uncordon, change the cap). */
export function requireOperator(call: Caller): string {
  const id = callerOf(call);
  if (!roleAtLeast(id.role, 'operator')) {
    throw new WattpackError('PERMISSION_DENIED', `${id.name} is ${id.role === 'user' ? 'a user' : `the ${id.role}`}: this needs the operator role`);
  }
  return id.name;
}

