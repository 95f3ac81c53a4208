import { request, type Agent } from 'node:https';

/** Where a BMC's Redfish service is and how to log in to it. */
export interface RedfishEndpoint {
  /** https://host[:port] of the BMC. */
  url: string;
  username: string;
  password: string;
  /** PEM of the CA that signed the BMC's certificate (BMCs mostly use their own). */
  ca?: string;
  timeoutMs?: number;
  /** Connections to reuse (a keep-alive agent for a BMC read again and again); default Node's global one. */
  agent?: Agent;
}

/** Replies larger than this are not a Redfish resource: refused rather than buffered. */
const MAX_REPLY_BYTES = 1 << 20;

/**
 * One Redfish call over HTTPS with Basic auth (what Dell iDRAC, HPE iLO, Supermicro and
 * DGX BMCs accept), through node:https for its CA option: the agent reads power with it,
 * the scheduler powers servers off and on. The JSON reply, or undefined for an empty one
 * (an action may answer 204).
 */
export function redfishCall(o: RedfishEndpoint, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const url = new URL(path, o.url);
  const what = `${method} ${url.pathname}`;
  const auth = Buffer.from(`${o.username}:${o.password}`).toString('base64');
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { Authorization: `Basic ${auth}`, Accept: 'application/json', ...(payload ? { 'Content-Type': 'application/json' } : {}) };
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: o.timeoutMs ?? 5000, ...(o.ca ? { ca: o.ca } : {}), ...(o.agent ? { agent: o.agent } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        res.resume();
        reject(new Error(`${what}: HTTP ${status}${status === 401 ? ' (check the BMC credentials file)' : ''}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_REPLY_BYTES) req.destroy(new Error(`${what}: reply over ${MAX_REPLY_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (text.trim() === '') return resolve(undefined);
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new Error(`${what}: not JSON`));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${what}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
