import { X509Certificate } from 'node:crypto';
import { WattpackError } from '../errors.js';

/**
 * Who is on the other end of a connection, as the site CA certified it. The certificate's
 * subject carries it: CN the name, OU the role, one O per team. Nothing a client sends in
 * a message or in metadata names anyone; only this does.
 */
export type Role = (typeof ROLES)[number];

/** People and services (user < operator < admin), then the site's own components. */
export const USER_ROLES = ['user', 'operator', 'admin'] as const;
export const ROLES = [...USER_ROLES, 'node', 'scheduler', 'nats'] as const;

/** Teams an admin credential may name instead of a list: every team. */
export const ALL_TEAMS = '*';

export interface Identity {
  name: string;
  role: Role;
  teams: string[];
  /** Hex serial number: what a revocation names. */
  serial: string;
  /**
   * When the credential was issued (ms, to the second): its notBefore plus the clock skew
   * the CA backdates by. A revocation refuses every credential of a name issued before it.
   */
  issuedAt?: number;
}

/** Clock skew between hosts: a certificate is valid from this long before it was issued. */
export const ISSUE_SKEW_MS = 5 * 60_000;

export const isUserRole = (r: Role): r is (typeof USER_ROLES)[number] => (USER_ROLES as readonly string[]).includes(r);

/** user < operator < admin; components are not people and hold none of these. */
export function roleAtLeast(role: Role, needed: (typeof USER_ROLES)[number]): boolean {
  return isUserRole(role) && USER_ROLES.indexOf(role) >= USER_ROLES.indexOf(needed);
}

export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** The distinguished name a certificate for this identity carries. */
export function subjectOf(id: Omit<Identity, 'serial'>): string {
  for (const part of [id.name, ...id.teams]) {
    if (part !== ALL_TEAMS && !NAME_PATTERN.test(part)) {
      throw new WattpackError('INVALID_ARGUMENT', `"${part.slice(0, 40)}": names and teams use 1-63 lowercase letters, digits, ".", "_" or "-"`);
    }
  }
  return [`CN=${id.name}`, `OU=${id.role}`, ...id.teams.map((t) => `O=${t}`)].join(', ');
}

/** Reads the identity of a certificate (PEM or DER) issued by the site CA. */
export function identityOf(cert: string | Buffer | X509Certificate): Identity {
  const x = cert instanceof X509Certificate ? cert : new X509Certificate(cert);
  // Node prints the subject one "KEY=value" per line, in certificate order.
  const fields = x.subject.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);
  return identityFrom(fields, x.serialNumber, x.validFrom);
}

/**
 * The identity of a certificate TLS verified, from the fields Node's TLS socket already
 * read out of it (`getPeerCertificate()`, which gRPC's auth context hands over): parsing
 * it again with X509Certificate was ~0.7 ms a registration (docs/benchmarks.md).
 */
export function identityOfPeer(cert: { subject: object; serialNumber: string; valid_from: string }): Identity {
  // A name given more than once (O: one per team) is an array, in certificate order.
  const fields = Object.entries(cert.subject as Record<string, string | string[] | undefined>).flatMap(([k, v]) => (Array.isArray(v) ? v : [v ?? '']).map((one) => [k, one] as const));
  return identityFrom(fields, cert.serialNumber, cert.valid_from);
}

function identityFrom(fields: readonly (readonly [string, string])[], serialNumber: string, validFrom: string): Identity {
  const name = fields.find(([k]) => k === 'CN')?.[1];
  const role = fields.find(([k]) => k === 'OU')?.[1];
  if (!name || !role || !(ROLES as readonly string[]).includes(role)) {
    throw new WattpackError('UNAUTHENTICATED', 'the certificate names no wattpack identity (CN name, OU role)');
  }
  return {
    name,
    role: role as Role,
    teams: fields.filter(([k]) => k === 'O').map(([, v]) => v),
    serial: serialNumber.toLowerCase(),
    issuedAt: Date.parse(validFrom) + ISSUE_SKEW_MS,
  };
}

/** "alice (operator, teams vision, nlp)": how logs and the audit name a caller. */
export function describeIdentity(id: Identity): string {
  return `${id.name} (${id.role}${id.teams.length ? `, teams ${id.teams.join(', ')}` : ''})`;
}
