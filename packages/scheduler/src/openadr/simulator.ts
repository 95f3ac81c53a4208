import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A VTN on loopback for tests and `wattpack dev`: the OpenADR 3 REST paths a VEN polls
 * (GET /programs, GET /events?programID=, POST /reports), bearer token checked, answering
 * the spec's JSON shapes. `mode` makes it misbehave the ways a real one does.
 */
export interface VtnSimulator {
  url: string;
  programs: { id: string; programName: string }[];
  /** Events as the VTN stores them (openadr3.yaml `event`). */
  events: object[];
  /** Reports POSTed by VENs, as received. */
  reports: Record<string, unknown>[];
  /** down: HTTP 503; garbage: not JSON; huge: a list of events larger than a VEN should read. */
  mode: 'ok' | 'down' | 'garbage' | 'huge';
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

export interface VtnSimulatorOptions {
  /** The bearer token a VEN must present. */
  token: string;
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
  onReport?: (report: Record<string, unknown>) => void;
}

/** A VTN publishing one program, "capacity" (id p-1); tests and `wattpack dev vtn` set its events. */
export async function startVtnSimulator({ token, host = '127.0.0.1', port = 0, onReport }: VtnSimulatorOptions): Promise<VtnSimulator> {
  const sim: Omit<VtnSimulator, 'url' | 'close'> = { programs: [{ id: 'p-1', programName: 'capacity' }], events: [], reports: [], mode: 'ok' };
  const server = createServer((req, res) => {
    const send = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    if (sim.mode === 'down') return void send(503, { title: 'Service Unavailable', status: 503 });
    if (req.headers.authorization !== `Bearer ${token}`) return void send(403, { title: 'Forbidden', status: 403, detail: 'bad token' });
    if (sim.mode === 'garbage') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"events": [oops');
    if (sim.mode === 'huge') return void res.writeHead(200, { 'content-type': 'application/json' }).end(`[${'{"id":"x","programName":"p"},'.repeat(200_000)}{}]`);
    const url = new URL(req.url ?? '/', 'http://vtn');
    if (req.method === 'GET' && url.pathname === '/programs') return void send(200, sim.programs.map((p) => ({ objectType: 'PROGRAM', ...p })));
    if (req.method === 'GET' && url.pathname === '/events') {
      const programID = url.searchParams.get('programID');
      return void send(200, sim.events.filter((e) => !programID || (e as { programID?: string }).programID === programID));
    }
    if (req.method === 'POST' && url.pathname === '/reports') {
      body(req).then(
        (text) => {
          const report = JSON.parse(text) as Record<string, unknown>;
          sim.reports.push(report);
          onReport?.(report);
          send(201, { id: String(sim.reports.length), objectType: 'REPORT', clientID: 'ven-1', ...report });
        },
        () => send(400, { title: 'Bad Request', status: 400 }),
      );
      return;
    }
    send(404, { title: 'Not Found', status: 404 });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  const bound = (server.address() as AddressInfo).port;
  return Object.assign(sim, {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
