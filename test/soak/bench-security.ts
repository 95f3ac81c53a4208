/**
 * `pnpm bench:security` (a benchmark, not a CI test): what security costs, measured on the
 * same machine in one run. For a site with security on (TLS with client certificates on
 * gRPC, TLS and nkeys on NATS, signed commands) and the same site with --insecure:
 *   - submit latency on an open connection, and from a fresh connection (as each CLI run),
 *   - the agent's stream: register -> registered on an open connection (the path reports take),
 *   - a batch of one-GPU `true` jobs end to end (submit -> all SUCCEEDED), jobs/s.
 * Prints one JSON document. Environment: BENCH_JOBS (default 2000), BENCH_AGENTS (10).
 */
import * as grpc from '@grpc/grpc-js';
import { grpcChannelCredentials, identityOf, INSECURE, loadCredentials, loadProto, type Credentials } from '@wattpack/common';
import type { Job__Output } from '@wattpack/common/proto/Job';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { LocalSite, rpcClient, waitFor, type AgentSpec } from '../e2e/harness.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 2000);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 10);
const SAMPLES = 300;
const IN_FLIGHT = 64;

const agents: AgentSpec[] = Array.from({ length: AGENTS }, (_, i) => ({ id: `gpu-${i + 1}`, profile: 'h100x8', labels: `rack=r${(i % 4) + 1}` }));
const spec = (name: string) => JSON.stringify({ name, gpus: 1, command: ['true'] });

const percentiles = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  return { p50: round(at(50)), p99: round(at(99)) };
};
const round = (x: number) => Math.round(x * 100) / 100;
const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

/** The admin's credentials of a secure site; nothing for an insecure one. */
function adminCredentials(site: LocalSite, secure: boolean): Credentials {
  if (!secure) return INSECURE;
  const ctx = (parse(readFileSync(site.trust.adminContext, 'utf8')) as { contexts: { ca: string; cert: string; key: string }[] }).contexts[0]!;
  return { insecure: false, caPem: ctx.ca, certPem: ctx.cert, keyPem: ctx.key, identity: identityOf(ctx.cert) };
}

async function submitLatency(site: LocalSite, credentials: Credentials) {
  const open = rpcClient(site.address, grpcChannelCredentials(credentials));
  const warm: number[] = [];
  const fresh: number[] = [];
  try {
    await open.rpc('GetSite', {});
    for (let i = 0; i < SAMPLES; i++) {
      const t = process.hrtime.bigint();
      await open.rpc('SubmitJob', { specJson: spec(`warm-${i}`) });
      warm.push(ms(t));
    }
    for (let i = 0; i < SAMPLES / 3; i++) {
      const t = process.hrtime.bigint();
      const c = rpcClient(site.address, grpcChannelCredentials(credentials));
      await c.rpc('SubmitJob', { specJson: spec(`fresh-${i}`) });
      fresh.push(ms(t));
      c.close();
    }
  } finally {
    open.close();
  }
  return { openConnectionMs: percentiles(warm), freshConnectionMs: percentiles(fresh) };
}

/** register -> registered round trips on one open channel, as a node that holds no GPUs. */
async function streamLatency(site: LocalSite, secure: boolean) {
  const nodeId = 'bench-node';
  let credentials: Credentials = INSECURE;
  if (secure) {
    await site.pki().issue({ name: nodeId, role: 'node', teams: [] });
    credentials = loadCredentials(site.trust.nodeCredentials(nodeId));
  }
  const { NodeService } = loadProto().wattpack.v1;
  const client = new NodeService(site.address, grpcChannelCredentials(credentials)) as grpc.Client & { Connect(): grpc.ClientDuplexStream<object, { registered?: object }> };
  const inventory = { gpus: [], miners: [], hostname: nodeId, cpuCores: 1, memoryMib: 1024, agentVersion: 'bench' };
  const out: number[] = [];
  try {
    for (let i = 0; i < SAMPLES; i++) {
      const call = client.Connect();
      const t = process.hrtime.bigint();
      await new Promise<void>((resolve, reject) => {
        call.on('data', (m: { registered?: object }) => (m.registered ? resolve() : reject(new Error(`registration refused: ${JSON.stringify(m)}`))));
        call.on('error', reject);
        call.write({ register: { nodeId, labels: {}, inventory } });
      });
      out.push(ms(t));
      call.cancel();
    }
  } finally {
    client.close();
  }
  return percentiles(out);
}

async function batch(site: LocalSite) {
  const t0 = Date.now();
  let next = 0;
  const submitter = async () => {
    while (next < JOBS) {
      const i = next++;
      await site.rpc<Job__Output>('SubmitJob', { specJson: spec(`batch-${i}`) });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, submitter));
  const submittedS = (Date.now() - t0) / 1000;
  await waitFor(`${JOBS} batch jobs SUCCEEDED`, async () => {
    const done = await site.rpc<{ jobs: Job__Output[] }>('ListJobs', { states: ['SUCCEEDED'], limit: 5000 });
    return done.jobs.filter((j) => j.spec?.name.startsWith('batch-')).length >= JOBS || undefined;
  }, 15 * 60_000);
  const totalS = (Date.now() - t0) / 1000;
  return { jobs: JOBS, submitS: round(submittedS), submissionsPerS: round(JOBS / submittedS), totalS: round(totalS), jobsPerS: round(JOBS / totalS) };
}

async function measure(secure: boolean) {
  const site = await LocalSite.start({ agents, insecure: !secure, site: { maxQueuedPerTeam: 0 } });
  try {
    const credentials = adminCredentials(site, secure);
    const submit = await submitLatency(site, credentials);
    const stream = await streamLatency(site, secure);
    // Let the latency runs' jobs finish first: the batch starts on an idle site.
    await waitFor('the latency jobs to end', async () => ((await site.rpc<{ jobs: Job__Output[] }>('ListJobs', { states: ['PENDING', 'STARTING', 'RUNNING'], limit: 5000 })).jobs.length === 0) || undefined, 300_000);
    return { security: secure ? 'on' : 'off', submit, agentStreamRoundTripMs: stream, batch: await batch(site) };
  } finally {
    await site.stop();
  }
}

async function main(): Promise<void> {
  const on = await measure(true);
  const off = await measure(false);
  const result = {
    machine: `${(await import('node:os')).cpus().length} cores`,
    agents: AGENTS,
    on,
    off,
    batchThroughputOnOverOff: round(on.batch.jobsPerS / off.batch.jobsPerS),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:security failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
