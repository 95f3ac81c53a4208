/**
 * `pnpm bench:connection` (a benchmark, not a CI test): the scheduler's CPU for one agent
 * connection, the part of a registration that grows with a fleet coming back after a
 * restart: an mTLS handshake with a node's certificate, an HTTP/2 session and a gRPC
 * bidi stream carrying one message each way, as NodeService.Connect does. The server runs
 * in a process of its own and reads its CPU (process.cpuUsage) from its first connection
 * to its last; the client opens BENCH_CONNECTION_N (600) connections one after another
 * and keeps them. Variants, alternated over BENCH_CONNECTION_ROUNDS (3) rounds:
 * `wattpack` (grpcServerCredentials: no TLS session tickets) and `grpc-js` (grpc-js's own
 * createSsl, which issues two tickets a handshake that no gRPC client ever uses).
 * Prints JSON: server CPU ms per connection, each round and the median.
 */
import * as grpc from '@grpc/grpc-js';
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { grpcChannelCredentials, grpcServerCredentials, loadCredentials, localSiteTrust } from '@wattpack/common';

const N = Number(process.env.BENCH_CONNECTION_N ?? 600);
const ROUNDS = Number(process.env.BENCH_CONNECTION_ROUNDS ?? 3);
const NODES = 50;
const VARIANTS = ['wattpack', 'grpc-js'] as const;
type Variant = (typeof VARIANTS)[number];

const bytes = (b: Buffer) => b;
const SERVICE = { connect: { path: '/bench.Node/Connect', requestStream: true, responseStream: true, requestSerialize: bytes, requestDeserialize: bytes, responseSerialize: bytes, responseDeserialize: bytes } };

/** The server side: answers each stream's first message, and reports its CPU per connection once N have. */
async function serve(variant: Variant, schedulerCredentials: string): Promise<void> {
  const creds = loadCredentials(schedulerCredentials);
  if (creds.insecure) throw new Error('the bench PKI made insecure scheduler credentials');
  const credentials =
    variant === 'wattpack'
      ? grpcServerCredentials(creds)
      : grpc.ServerCredentials.createSsl(Buffer.from(creds.caPem), [{ cert_chain: Buffer.from(creds.certPem), private_key: Buffer.from(creds.keyPem) }], true);
  const server = new grpc.Server();
  let streams = 0;
  let start: NodeJS.CpuUsage | undefined;
  server.addService(SERVICE, {
    connect: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      if (streams++ === 0) start = process.cpuUsage();
      call.on('error', () => {});
      call.once('data', () => {
        call.write(Buffer.alloc(16));
        if (streams < N) return;
        const used = process.cpuUsage(start);
        process.send!({ msPerConnection: (used.user + used.system) / 1000 / (N - 1) });
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))));
  process.send!({ port });
}

/** One round: a server of the variant, N connections to it from NODES nodes' certificates. */
async function round(variant: Variant, trust: Awaited<ReturnType<typeof localSiteTrust>>): Promise<number> {
  const server = fork(process.argv[1]!, ['serve', variant, trust.schedulerCredentials]);
  const port = await new Promise<number>((resolve) => server.once('message', (m: { port: number }) => resolve(m.port)));
  const result = new Promise<number>((resolve) => server.on('message', (m: { msPerConnection?: number }) => m.msPerConnection !== undefined && resolve(m.msPerConnection)));
  const Client = grpc.makeGenericClientConstructor(SERVICE, 'Node');
  const channels = Array.from({ length: NODES }, (_, i) => grpcChannelCredentials(loadCredentials(trust.nodeCredentials(`n${i + 1}`))));
  const clients: grpc.Client[] = [];
  const payload = Buffer.alloc(600, 1);
  for (let i = 0; i < N; i++) {
    // A channel of its own per connection (grpc-js would share one subchannel between clients of the same options).
    const client = new Client(`127.0.0.1:${port}`, channels[i % NODES]!, { 'grpc.ssl_target_name_override': 'localhost', 'bench.connection': i });
    const call = (client as unknown as { connect(): grpc.ClientDuplexStream<Buffer, Buffer> }).connect();
    await new Promise<void>((resolve, reject) => {
      call.once('data', () => resolve());
      call.once('error', reject);
      call.write(payload);
    });
    clients.push(client);
  }
  const ms = await result;
  for (const c of clients) c.close();
  server.kill();
  return ms;
}

async function main(): Promise<void> {
  const trust = await localSiteTrust(mkdtempSync(join(tmpdir(), 'wattpack-bench-connection-')), Array.from({ length: NODES }, (_, i) => `n${i + 1}`));
  const ms: Record<Variant, number[]> = { wattpack: [], 'grpc-js': [] };
  const load = [loadavg()[0]!];
  for (let r = 0; r < ROUNDS; r++) for (const v of VARIANTS) ms[v].push(Math.round((await round(v, trust)) * 1000) / 1000);
  load.push(loadavg()[0]!);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const serverCpuMsPerConnection = Object.fromEntries(VARIANTS.map((v) => [v, { rounds: ms[v], median: median(ms[v]) }]));
  process.stdout.write(`${JSON.stringify({ connections: N, rounds: ROUNDS, serverCpuMsPerConnection, loadAvg1m: load.map((l) => Math.round(l * 10) / 10) })}\n`);
}

if (process.argv[2] === 'serve') void serve(process.argv[3] as Variant, process.argv[4]!);
else
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench:connection failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
