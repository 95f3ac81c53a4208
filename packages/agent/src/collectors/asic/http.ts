import { digestAuthorization, parseDigestChallenge } from './digest.js';
import { MinerError, parseRpcReply, type JsonObject } from './parse-rpc.js';

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT';
  body?: unknown;
  headers?: Record<string, string>;
  /** Answers a digest challenge (stock Antminer web interface). */
  digest?: { username: string; password: string };
  timeoutMs: number;
}

export interface HttpReply {
  status: number;
  /** The body as JSON (repaired like RPC replies); undefined when empty or not JSON. */
  json?: JsonObject;
  text: string;
}

/** One HTTP exchange with a miner's web or REST interface; network failures become MinerErrors. */
export async function httpJson(url: string, req: HttpRequest): Promise<HttpReply> {
  const method = req.method ?? 'GET';
  const send = (authorization?: string) =>
    fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...req.headers,
        ...(authorization ? { authorization } : {}),
      },
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  try {
    let res = await send();
    const challenge = res.status === 401 && req.digest ? parseDigestChallenge(res.headers.get('www-authenticate')) : undefined;
    if (challenge) {
      await res.text();
      const { pathname, search } = new URL(url);
      res = await send(digestAuthorization({ challenge, ...req.digest!, method, uri: pathname + search }));
    }
    const text = await res.text();
    if (res.status === 401 || res.status === 403) throw new MinerError('auth', `${method} ${url}: ${res.status} ${res.statusText || 'unauthorized'}: check the credentials`);
    let json: JsonObject | undefined;
    try {
      json = text.trim() ? parseRpcReply(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, text, ...(json ? { json } : {}) };
  } catch (err) {
    throw toMinerError(err, `${method} ${url}`, req.timeoutMs);
  }
}

function toMinerError(err: unknown, what: string, timeoutMs: number): MinerError {
  if (err instanceof MinerError) return err;
  const e = err as Error & { cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return new MinerError('timeout', `${what}: no answer within ${timeoutMs} ms`);
  const code = e.cause?.code;
  if (code === 'ECONNREFUSED') return new MinerError('refused', `${what}: connection refused`);
  return new MinerError('unreachable', `${what}: ${code ?? e.message}`);
}
