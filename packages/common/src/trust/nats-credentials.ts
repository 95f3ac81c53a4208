import { nkeyAuthenticator, type ConnectionOptions } from 'nats';
import { SUBJECTS } from '../bus/subjects.js';
import { WattpackError } from '../errors.js';
import type { Credentials } from './credential-files.js';

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
