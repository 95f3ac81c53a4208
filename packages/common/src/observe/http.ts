import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import { WattpackError } from '../errors.js';
import type { Logger } from '../log.js';

/** What a daemon's /readyz checks: the names of what is not ready yet; empty means ready. */
export type ReadinessProbe = () => string[];

export interface ObserveServer {
  /** host:port actually bound. */
  address: string;
  close(): Promise<void>;
}

/** Extra read-only routes a daemon serves beside /metrics (the scheduler's dashboard). */
export type Route = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/**
 * The plain-HTTP listener of `--metrics-addr`: Prometheus text at /metrics, liveness at
 * /healthz (the process answers), readiness at /readyz (503 with what is missing), as
 * Kubernetes probes and Prometheus expect them. Read-only: nothing here changes state.
 */
export async function startObserveServer(addr: string, opts: { registry: Registry; ready: ReadinessProbe; log: Logger; routes?: Route[] }): Promise<ObserveServer> {
  const colon = addr.lastIndexOf(':');
  const port = Number(addr.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new WattpackError('INVALID_ARGUMENT', `--metrics-addr "${addr.slice(0, 60)}": use host:port, e.g. 127.0.0.1:9400`);
  }
  const host = addr.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const server = createServer((req, res) => {
    serve(req, res, opts).catch((err: unknown) => {
      opts.log.error({ err: String(err), url: req.url }, 'observe endpoint failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new WattpackError('INVALID_ARGUMENT', `--metrics-addr ${addr}: ${err.message}`)));
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  const address = `${host}:${typeof bound === 'object' && bound ? bound.port : port}`;
  opts.log.info({ address }, 'metrics and health listening');
  return {
    address,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, opts: { registry: Registry; ready: ReadinessProbe; routes?: Route[] }): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('read-only: use GET\n');
    return;
  }
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/metrics') {
    const body = await opts.registry.metrics();
    res.writeHead(200, { 'content-type': opts.registry.contentType }).end(body);
  } else if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  } else if (path === '/readyz') {
    const missing = opts.ready();
    res.writeHead(missing.length ? 503 : 200, { 'content-type': 'text/plain' }).end(missing.length ? `not ready: ${missing.join('; ')}\n` : 'ok\n');
  } else {
    for (const route of opts.routes ?? []) if (await route(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /healthz or /readyz\n');
  }
}

/**
 * Whether a NATS connection is up now, from its status events (nats.js has no getter):
 * false from a disconnect until the reconnect, and for good once it closes.
 */
export function natsConnected(nc: NatsConnection): () => boolean {
  let up = !nc.isClosed();
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') up = false;
      else if (s.type === 'reconnect') up = true;
    }
  })();
  void nc.closed().then(() => (up = false));
  return () => up && !nc.isClosed();
}
