import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WattpackError } from '../errors.js';
import { identityOf, type Identity } from './identity.js';

// What a credentials folder holds, read without loading TLS or NATS code (in the light entry, core.ts).

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
