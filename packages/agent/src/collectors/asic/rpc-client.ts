import { connect } from 'node:net';
import { checkStatus, isComplete, MinerError, parseRpcReply, type JsonObject } from './parse-rpc.js';

export interface Endpoint {
  host: string;
  port: number;
}

export const RPC_PORT = 4028;

/** "10.0.0.5", "10.0.0.5:4028", "[fd00::5]:4028", "miner-7.local" -> host and port. */
export function parseEndpoint(text: string, defaultPort = RPC_PORT): Endpoint {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/]+))(?::(\d{1,5}))?$/.exec(text.trim());
  const port = m?.[3] === undefined ? defaultPort : Number(m[3]);
  if (!m || port < 1 || port > 65535) throw new Error(`endpoint "${text}": use host or host:port`);
  return { host: (m[1] ?? m[2])!, port };
}

export const formatEndpoint = (e: Endpoint) => (e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`);

/** Replies beyond this are not a miner talking. */
const MAX_REPLY_BYTES = 1024 * 1024;
/** A reply that is complete JSON but neither terminated nor closed is taken after this much silence. */
const IDLE_AFTER_COMPLETE_MS = 100;

/**
 * Sends one cgminer-API command over TCP and reads the reply until a NUL, a newline
 * after a complete JSON value, the socket closing, or the timeout. Rejects with a
 * MinerError: refused, unreachable, timeout, malformed, or status (the miner said E/F/W).
 */
export function rpcCommand(endpoint: Endpoint, command: string, parameter?: string, timeoutMs = 3000): Promise<JsonObject> {
  const where = formatEndpoint(endpoint);
  return new Promise<JsonObject>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    let idle: NodeJS.Timeout | undefined;
    const socket = connect({ host: endpoint.host, port: endpoint.port });
    const finish = (err?: MinerError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(idle);
      socket.destroy();
      if (err) return reject(err);
      try {
        resolve(checkStatus(parseRpcReply(Buffer.concat(chunks).toString('utf8')), command));
      } catch (e) {
        reject(e instanceof MinerError ? e : new MinerError('malformed', String(e)));
      }
    };
    const timer = setTimeout(() => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text && isComplete(text)) return finish();
      finish(new MinerError('timeout', bytes ? `reply to "${command}" from ${where} incomplete after ${timeoutMs} ms (${bytes} bytes)` : `no reply to "${command}" from ${where} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(JSON.stringify(parameter === undefined ? { command } : { command, parameter })));
    socket.on('data', (data: Buffer) => {
      const nul = data.indexOf(0);
      chunks.push(nul >= 0 ? data.subarray(0, nul) : data);
      bytes += data.length;
      if (nul >= 0) return finish();
      if (bytes > MAX_REPLY_BYTES) return finish(new MinerError('malformed', `reply to "${command}" from ${where} exceeds ${MAX_REPLY_BYTES} bytes`));
      const text = Buffer.concat(chunks).toString('utf8');
      clearTimeout(idle);
      if (isComplete(text)) {
        if (text.endsWith('\n')) return finish();
        idle = setTimeout(() => finish(), IDLE_AFTER_COMPLETE_MS);
      }
    });
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (bytes) return finish();
      if (err.code === 'ECONNREFUSED') return finish(new MinerError('refused', `connection refused by ${where}`));
      finish(new MinerError('unreachable', `cannot reach ${where}: ${err.code ?? err.message}`));
    });
  });
}
