import { X509Certificate, createPrivateKey } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, jwtVerify } from 'jose';
import { WattpackError } from '../errors.js';
import { identityOf, isUserRole, type Identity } from './identity.js';

/**
 * How a browser logs in to the dashboard of an mTLS site (docs/security.md, "The
 * dashboard"): `wattpack dashboard` signs a short-lived token with the person's own site
 * key and puts their certificate in it (x5c); the scheduler checks the certificate against
 * the site CA and the signature against the certificate. No new secret, and the identity
 * is the one the API sees.
 */
export const LOGIN_AUDIENCE = 'wattpack-dashboard';
/** Long enough to open a browser; a stolen link is useless after it. */
export const LOGIN_TOKEN_TTL_S = 120;

const refuse = (why: string) => new WattpackError('UNAUTHENTICATED', `login token: ${why}`);

export async function signLoginToken(credential: { certPem: string; keyPem: string }): Promise<string> {
  const cert = new X509Certificate(credential.certPem);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', x5c: [cert.raw.toString('base64')] })
    .setSubject(identityOf(cert).name)
    .setAudience(LOGIN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${LOGIN_TOKEN_TTL_S}s`)
    .sign(createPrivateKey(credential.keyPem));
}

/** The person a login token proves, or UNAUTHENTICATED naming what is wrong. Revocation is the caller's check. */
export async function verifyLoginToken(token: string, caPem: string, now = Date.now()): Promise<Identity> {
  let x5c: string[] | undefined;
  try {
    const header = decodeProtectedHeader(token);
    if (header.alg !== 'ES256') throw refuse('use ES256');
    x5c = header.x5c;
  } catch (err) {
    throw err instanceof WattpackError ? err : refuse('not a JSON web token');
  }
  if (!x5c?.[0]) throw refuse('it carries no certificate (x5c)');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(x5c[0], 'base64'));
  } catch {
    throw refuse('its certificate is unreadable');
  }
  const ca = new X509Certificate(caPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw refuse("its certificate is not from this site's CA");
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) throw refuse('its certificate has expired or is not valid yet');
  const id = identityOf(cert);
  if (!isUserRole(id.role)) throw refuse(`${id.name} is ${id.role === 'node' ? 'a node' : `the ${id.role}`}: only people log in`);
  try {
    const { payload } = await jwtVerify(token, cert.publicKey, { audience: LOGIN_AUDIENCE, algorithms: ['ES256'], currentDate: new Date(now), maxTokenAge: `${LOGIN_TOKEN_TTL_S}s` });
    if (payload.sub !== id.name) throw refuse('its subject is not its certificate');
  } catch (err) {
    throw err instanceof WattpackError ? err : refuse(`${(err as Error).message}`);
  }
  return id;
}
