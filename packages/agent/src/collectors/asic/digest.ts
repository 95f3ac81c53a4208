import { createHash, randomBytes } from 'node:crypto';

/** The parts of a `WWW-Authenticate: Digest …` challenge we use (RFC 7616). */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  qop?: string;
  algorithm?: string;
  opaque?: string;
}

/** Parses `Digest realm="…", nonce="…", qop="auth", algorithm=MD5`; undefined for other schemes. */
export function parseDigestChallenge(header: string | null | undefined): DigestChallenge | undefined {
  const m = /^\s*Digest\s+(.*)$/i.exec(header ?? '');
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[1]!.matchAll(/([a-zA-Z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g)) params[p[1]!.toLowerCase()] = p[2] ?? p[3]!;
  if (params.realm === undefined || !params.nonce) return undefined;
  return {
    realm: params.realm,
    nonce: params.nonce,
    ...(params.qop ? { qop: params.qop } : {}),
    ...(params.algorithm ? { algorithm: params.algorithm } : {}),
    ...(params.opaque ? { opaque: params.opaque } : {}),
  };
}

export interface DigestInput {
  challenge: DigestChallenge;
  username: string;
  password: string;
  method: string;
  uri: string;
  /** Client nonce and count; random and 1 unless a test needs them fixed. */
  cnonce?: string;
  nc?: number;
}

/** The response hash of RFC 7616 §3.4.1: MD5 or SHA-256, "-sess" variants, qop=auth or none (RFC 2069). */
export function digestResponse(i: Required<Omit<DigestInput, 'challenge'>> & { challenge: DigestChallenge }): string {
  const algorithm = (i.challenge.algorithm ?? 'MD5').toUpperCase();
  const hashName = algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
  const h = (s: string) => createHash(hashName).update(s).digest('hex');
  const nc = i.nc.toString(16).padStart(8, '0');
  let ha1 = h(`${i.username}:${i.challenge.realm}:${i.password}`);
  if (algorithm.endsWith('-SESS')) ha1 = h(`${ha1}:${i.challenge.nonce}:${i.cnonce}`);
  const ha2 = h(`${i.method}:${i.uri}`);
  return useQopAuth(i.challenge) ? h(`${ha1}:${i.challenge.nonce}:${nc}:${i.cnonce}:auth:${ha2}`) : h(`${ha1}:${i.challenge.nonce}:${ha2}`);
}

const useQopAuth = (c: DigestChallenge) => c.qop?.split(',').some((q) => q.trim() === 'auth') ?? false;

/** The `Authorization` header answering a challenge. */
export function digestAuthorization(input: DigestInput): string {
  const cnonce = input.cnonce ?? randomBytes(8).toString('hex');
  const nc = input.nc ?? 1;
  const { challenge: c } = input;
  const response = digestResponse({ ...input, cnonce, nc });
  const parts = [`username="${input.username}"`, `realm="${c.realm}"`, `nonce="${c.nonce}"`, `uri="${input.uri}"`, `response="${response}"`];
  if (c.algorithm) parts.push(`algorithm=${c.algorithm}`);
  if (useQopAuth(c)) parts.push('qop=auth', `nc=${nc.toString(16).padStart(8, '0')}`, `cnonce="${cnonce}"`);
  if (c.opaque) parts.push(`opaque="${c.opaque}"`);
  return `Digest ${parts.join(', ')}`;
}

/** Reads an `Authorization: Digest …` header back into its fields (the miner simulator checks them). */
export function parseDigestAuthorization(header: string | undefined): Record<string, string> | undefined {
  const m = /^\s*Digest\s+(.*)$/i.exec(header ?? '');
  if (!m) return undefined;
  const fields: Record<string, string> = {};
  for (const p of m[1]!.matchAll(/([a-zA-Z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g)) fields[p[1]!.toLowerCase()] = p[2] ?? p[3]!;
  return fields;
}
