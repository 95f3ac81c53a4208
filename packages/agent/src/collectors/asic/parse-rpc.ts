/**
 * Replies of the cgminer-family RPC (stock bmminer, LuxOS, VNish, BOSminer's legacy API).
 * They are not always valid JSON: a NUL at the end, `,}` and `,]`, `[,{`, `}{` between
 * objects, bare inf/nan, raw newlines inside strings, truncated buffers. We repair what
 * is unambiguous and reject the rest with a MinerError of kind "malformed".
 */

export type MinerErrorKind = 'refused' | 'timeout' | 'unreachable' | 'malformed' | 'status' | 'auth' | 'unsupported';

/** Why talking to a miner failed; `kind` decides whether it is offline or in error. */
export class MinerError extends Error {
  override readonly name = 'MinerError';
  constructor(
    readonly kind: MinerErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Applies the repairs outside string literals only, so a value like "a,}" is left alone. */
function repairOutsideStrings(text: string): string {
  let out = '';
  let inString = false;
  let segment = '';
  const flush = () => {
    out += segment
      .replace(/\}\s*\{/g, '},{')
      .replace(/\[\s*,/g, '[')
      .replace(/,\s*([}\]])/g, '$1')
      .replace(/(-?)\binf(inity)?\b/gi, 'null')
      .replace(/\bnan\b/gi, 'null');
    segment = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') {
        out += c + (text[i + 1] ?? '');
        i++;
      } else {
        // Control characters are not allowed in JSON strings; firmware puts newlines there.
        out += c < ' ' ? ' ' : c;
        if (c === '"') inString = false;
      }
    } else if (c === '"') {
      flush();
      out += c;
      inString = true;
    } else {
      segment += c;
    }
  }
  flush();
  return out;
}

/** Parses one RPC reply, repairing known defects; throws MinerError("malformed") when it cannot. */
export function parseRpcReply(raw: string): JsonObject {
  const text = raw.replace(/\0+$/g, '').replace(/\0/g, '').trim();
  if (!text) throw new MinerError('malformed', 'empty reply');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const repaired = repairOutsideStrings(text);
    try {
      value = JSON.parse(repaired);
    } catch {
      // Several top-level objects (`}{` became `},{`): one reply split in parts.
      try {
        value = Object.assign({}, ...(JSON.parse(`[${repaired}]`) as object[]));
      } catch (err) {
        throw new MinerError('malformed', `${isTruncated(text) ? 'truncated reply' : 'not JSON'} (${text.length} bytes): ${(err as Error).message}`);
      }
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new MinerError('malformed', 'reply is not a JSON object');
  return value as JsonObject;
}

/** More opening than closing brackets: the buffer was cut short. */
function isTruncated(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return depth > 0 || inString;
}

/** True once `text` holds a whole JSON value (brackets balanced): lets a reader stop at a newline. */
export const isComplete = (text: string): boolean => /[}\]]\s*\0*$/.test(text) && !isTruncated(text);

/**
 * Checks STATUS[0].STATUS: S (success) and I (info) pass; W, E and F carry the miner's
 * message as a MinerError("status"). A reply without STATUS passes (REST-like replies).
 */
export function checkStatus(reply: JsonObject, command: string): JsonObject {
  const status = firstOf(reply.STATUS);
  if (!status) return reply;
  const code = typeof status.STATUS === 'string' ? status.STATUS : undefined;
  if (code === 'S' || code === 'I') return reply;
  const msg = typeof status.Msg === 'string' ? status.Msg : 'no message';
  throw new MinerError('status', `${command}: miner answered ${code ?? 'without a status'}: ${msg}`);
}

/** The first object of an array-valued section (`SUMMARY`, `STATS`, ...), if any. */
export function firstOf(section: Json | undefined): JsonObject | undefined {
  const first = Array.isArray(section) ? section[0] : undefined;
  return first && typeof first === 'object' && !Array.isArray(first) ? first : undefined;
}

/** All objects of an array-valued section. */
export function objectsOf(section: Json | undefined): JsonObject[] {
  return Array.isArray(section) ? section.filter((v): v is JsonObject => !!v && typeof v === 'object' && !Array.isArray(v)) : [];
}

/**
 * A number from a field that may hold one: 110566.89, "140258.58", "3250 W". Strings
 * that are not numbers, empty strings, null (a repaired inf/nan) and negatives are absent.
 */
export function num(value: Json | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*[A-Za-z/]*\s*$/.exec(value);
  return m ? Number(m[1]) : undefined;
}

/** The first of several spellings a firmware uses for one key ("Temperature", "Tenperature"). */
export function pick(obj: JsonObject | undefined, ...keys: string[]): Json | undefined {
  if (!obj) return undefined;
  for (const k of keys) if (obj[k] !== undefined) return obj[k];
  return undefined;
}
