/**
 * `pnpm bench:fleet` (a benchmark, not a CI test): a site-sized hollow fleet against a real
 * scheduler and a real nats-server, secure as always (site PKI, mTLS, NATS TLS + nkeys):
 * 1,200 GPU nodes × 8 H100 and 2,000 miner nodes (one S19 XP each), hollow nodes in a few
 * `wattpack-agent --fleet` processes, each node reporting at 1 Hz, with a steady stream of
 * one-GPU jobs. After a warm-up it measures a steady window: the scheduler's CPU (% of one
 * core, /proc/<pid>/stat) and RSS, report lag p99 (agent sampled → scheduler applied,
 * wattpack_node_report_lag_seconds), pass duration p99, NATS throughput (/varz), the fleet
 * processes' CPU and RSS. Then it kills the scheduler with SIGKILL, starts it again at once
 * (as systemd's Restart= would) and times until every node has reported to the new one
 * (READY) and a new job is placed. Prints two JSON lines: the steady figures before the kill
 * (kept when recovery fails), then recovery's.
 *
 * Environment: BENCH_FLEET_SECONDS (steady window, default 120; the issue's figure is 600),
 * BENCH_FLEET_GPU_NODES (1200), BENCH_FLEET_MINER_NODES (2000), BENCH_FLEET_PROCESSES (fleet
 * processes, default 4), BENCH_FLEET_JOBS_PER_S (2; each job sleeps 30 s), BENCH_FLEET_CPU_PROF
 * (a folder: the scheduler runs with node --cpu-prof during the window and is stopped
 * gracefully to write it; the kill -9 is then on its successor, itself profiled until the end; the fleet processes are
 * profiled too and write theirs when stopped at the end), BENCH_FLEET_LEASE_S (the
 * scheduler's --lease-seconds), BENCH_FLEET_LOG_LEVEL (the scheduler's, default warn),
 * BENCH_FLEET_KEEP=1 (keep the work folder with every process's log).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ANY_USER, freePort, grpcChannelCredentials, identityOf, localJobUser, localSiteTrust, startNatsServer, type LocalNatsServer } from '@wattpack/common';
import type { Job__Output } from '@wattpack/common/proto/Job';
import type { Node__Output } from '@wattpack/common/proto/Node';
import { fleetFolder } from '../e2e/daemons.js';
import { BIN, rpcClient, waitFor, type RpcClient } from '../e2e/harness.js';
import { cpuPercent, cpuSeconds, heapFromMetrics, histogramBuckets, mainThreadCpuSeconds, memoryMb, quantileBetween, type Buckets } from './proc.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SECONDS = env('BENCH_FLEET_SECONDS', 120);
const GPU_NODES = env('BENCH_FLEET_GPU_NODES', 1200);
const MINER_NODES = env('BENCH_FLEET_MINER_NODES', 2000);
const PROCESSES = Math.max(2, env('BENCH_FLEET_PROCESSES', 4));
const JOBS_PER_S = env('BENCH_FLEET_JOBS_PER_S', 2);
/** The scheduler's --lease-seconds (its default, 3, when unset). */
const LEASE_S = process.env.BENCH_FLEET_LEASE_S;
const CPU_PROF = process.env.BENCH_FLEET_CPU_PROF ? resolve(process.env.BENCH_FLEET_CPU_PROF) : undefined;
const WARMUP_S = 15;

const gpuIds = Array.from({ length: GPU_NODES }, (_, i) => `gpu-${i + 1}`);
const minerIds = Array.from({ length: MINER_NODES }, (_, i) => `miners-${i + 1}`);
const allIds = [...gpuIds, ...minerIds];

/** The PKI is kept between runs: issuing 3,200 node certificates takes a while. */
const PKI_DIR = join(tmpdir(), `wattpack-bench-fleet-pki-${process.getuid?.() ?? 0}`);
const work = mkdtempSync(join(tmpdir(), 'wattpack-bench-fleet-'));
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const children: ChildProcess[] = [];

/** Each process's log (warn and up) goes to <work>/<name>.log, kept with BENCH_FLEET_KEEP=1. */
function spawnLogged(name: string, args: string[]): ChildProcess {
  const log = join(work, `${name.replace(/\W+/g, '-')}.log`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', openSync(log, 'a')] });
  child.once('exit', (code, signal) => {
    if (code && !stopping) process.stderr.write(`${name} exited ${code ?? signal}; its log: ${log}\n`);
  });
  children.push(child);
  return child;
}
let stopping = false;
let natsServer: LocalNatsServer | undefined;

async function main(): Promise<void> {
  const site = await startSite();
  const { client } = site;
  const fleet = launchFleets(site);
  const upStart = Date.now();
  await waitFor(`${allIds.length} nodes READY`, async () => (await site.readySince(upStart)) === allIds.length, 30 * 60_000);
  const allReadyS = (Date.now() - upStart) / 1000;
  const jobs = startJobStream(client);
  const steady = await measureSteady(site, fleet);
  const jobCounts = () => ({ perS: JOBS_PER_S, submitted: jobs.counts.submitted, submitErrors: jobs.counts.submitErrors, ...(jobs.counts.submitError ? { lastSubmitError: jobs.counts.submitError } : {}) });
  // The steady figures first, as a line of their own: a run that fails in recovery keeps them.
  const setup = {
    machine: `${cpus().length} cores`,
    nodes: { gpu: GPU_NODES, gpus: GPU_NODES * 8, miner: MINER_NODES, fleetProcesses: fleet.processes.length, reportIntervalMs: 1000 },
    setup: { pkiS: round(site.pkiS), allReadyS: round(allReadyS), leaseSeconds: Number(LEASE_S ?? 3) },
  };
  process.stdout.write(`${JSON.stringify({ ...setup, jobs: jobCounts(), steady })}\n`);
  const recovery = await recoverAfterKill9(site, fleet, steady, jobs.stop);
  client.close();
  const result = { jobs: jobCounts(), recoveryAfterKill9: recovery, ...(CPU_PROF ? { cpuProfileDir: CPU_PROF } : {}) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

type Site = Awaited<ReturnType<typeof startSite>>;
type Fleet = ReturnType<typeof launchFleets>;
type Steady = Awaited<ReturnType<typeof measureSteady>>;

/** The PKI, nats-server with its monitor port, and the scheduler (restartable: `scheduler` is replaced) with an admin client. */
async function startSite() {
  const t0 = Date.now();
  const trust = await localSiteTrust(PKI_DIR, allIds);
  const pkiS = (Date.now() - t0) / 1000;
  const monitorPort = await freePort();
  const nats = await startNatsServer({ config: trust.natsConfig, args: ['-m', String(monitorPort)] });
  natsServer = nats;
  const listen = `127.0.0.1:${await freePort()}`;
  const metricsAddr = `127.0.0.1:${await freePort()}`;
  const siteFile = join(work, 'site.json');
  writeFileSync(siteFile, JSON.stringify({ users: { [ANY_USER]: localJobUser() }, checkpointRoot: join(work, 'checkpoints'), maxQueuedPerTeam: 0 }));
  const schedulerArgs = ['--id', 's1', '--listen', listen, '--nats', nats.url, '--credentials', trust.schedulerCredentials, '--log-level', process.env.BENCH_FLEET_LOG_LEVEL ?? 'warn', '--metrics-addr', metricsAddr, '--state-dir', join(work, 'state'), '--site', siteFile, ...(LEASE_S ? ['--lease-seconds', LEASE_S] : [])];
  const startScheduler = (profile?: string) => spawnLogged('scheduler', [...(profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : []), BIN.scheduler, ...schedulerArgs]);
  const scheduler = startScheduler(CPU_PROF);

  const ctx = (parse(readFileSync(trust.adminContext, 'utf8')) as { contexts: { ca: string; cert: string; key: string }[] }).contexts[0]!;
  // Reconnecting within half a second: with gRPC's default backoff (1 s growing by 1.6) the
  // client found the restarted scheduler ~10 s after it listened, and servingS counted that.
  const client = rpcClient(listen, grpcChannelCredentials({ insecure: false, caPem: ctx.ca, certPem: ctx.cert, keyPem: ctx.key, identity: identityOf(ctx.cert) }), { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 500 });
  await waitFor('the scheduler to serve', () => client.rpc('GetSite', {}), 60_000);
  const nodes = () => client.rpc<{ nodes: Node__Output[] }>('ListNodes', {}).then((r) => r.nodes);
  // ListNodes of thousands of nodes costs the scheduler what it measures: back to back it was
  // ~7 % of the restarted scheduler's time at 800 nodes, every 0.5 s still ~5 % (~15 ms a
  // call, ~60 ms at 3,200 nodes). So every 2 s while fewer than 90 % are back, then ~0.5 s.
  const readySince = async (since: number) => {
    const ready = (await nodes()).filter((n) => n.status === 'READY' && Number(n.lastSeenMs) > since).length;
    if (ready < allIds.length) await new Promise((r) => setTimeout(r, ready < 0.9 * allIds.length ? 2000 : 400));
    return ready;
  };
  return { trust, pkiS, nats, monitorPort, listen, metricsAddr, scheduler, startScheduler, client, readySince };
}

/** Half the fleet processes run the GPU nodes, half the miner nodes. */
function launchFleets(site: Site) {
  const processes: ChildProcess[] = [];
  const groups = [...split(gpuIds, PROCESSES / 2).map((ids) => ({ ids, profile: 'h100x8', labels: 'rack=r1' })), ...split(minerIds, PROCESSES / 2).map((ids) => ({ ids, profile: 's19xp:1', labels: 'rack=m1' }))];
  for (const [i, g] of groups.entries()) {
    if (g.ids.length === 0) continue;
    const dir = fleetFolder(join(work, `fleet-${i}`), g.ids, (id) => site.trust.nodeCredentials(id));
    const profile = CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [];
    processes.push(spawnLogged(`fleet ${i}`, [...profile, BIN.agent, '--scheduler', site.listen, '--nats', site.nats.url, '--simulate', g.profile, '--runtime', 'process', '--address', '127.0.0.1', '--labels', g.labels, '--fleet', dir, '--log-level', 'warn']));
  }
  return { processes, groups };
}

/** The steady job stream: one-GPU jobs of 30 s at JOBS_PER_S. */
function startJobStream(client: RpcClient) {
  const counts = { submitted: 0, submitErrors: 0, submitError: '' };
  const stream = setInterval(() => {
    for (let i = 0; i < JOBS_PER_S; i++) {
      counts.submitted++;
      client.rpc('SubmitJob', { specJson: JSON.stringify({ name: 'steady', gpus: 1, command: ['sleep', '30'] }) }).catch((err: Error) => {
        counts.submitErrors++;
        counts.submitError = err.message;
      });
    }
  }, 1000);
  return { counts, stop: () => clearInterval(stream) };
}

/** CPU, memory, metrics histograms and NATS counters at one moment: the window is the difference of two. */
async function sample(site: Site, fleet: Fleet) {
  const text = await scrape(site);
  return {
    at: Date.now(),
    scheduler: cpuSeconds(site.scheduler.pid!),
    schedulerMainThread: mainThreadCpuSeconds(site.scheduler.pid!),
    fleets: fleet.processes.map((f) => cpuSeconds(f.pid!)),
    nats: cpuSeconds(site.nats.process.pid!),
    lag: histogramBuckets(text, 'wattpack_node_report_lag_seconds'),
    pass: histogramBuckets(text, 'wattpack_scheduling_pass_duration_seconds'),
    varz: await fetch(`http://127.0.0.1:${site.monitorPort}/varz`).then((r) => r.json() as Promise<{ in_msgs: number; out_msgs: number; in_bytes: number; out_bytes: number }>),
  };
}

const scrape = (site: Site) => fetch(`http://${site.metricsAddr}/metrics`).then((r) => r.text());

/** After the warm-up, SECONDS of steady load: RSS and load sampled every 5 s, the rest from the samples at both ends. */
async function measureSteady(site: Site, fleet: Fleet) {
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
  const before = await sample(site, fleet);
  const rss: number[] = [];
  const load: number[] = [];
  while (Date.now() - before.at < SECONDS * 1000) {
    await new Promise((r) => setTimeout(r, 5000));
    rss.push(memoryMb(site.scheduler.pid!).rssMb);
    load.push(loadavg()[0]!);
  }
  const after = await sample(site, fleet);
  const wallS = (after.at - before.at) / 1000;
  const perS = (k: 'in_msgs' | 'out_msgs' | 'in_bytes' | 'out_bytes') => Math.round((after.varz[k] - before.varz[k]) / wallS);
  const q99 = (b: Buckets, a: Buckets) => {
    const { le, count } = quantileBetween(b, a, 0.99);
    return { p99AtMostS: le, observed: count };
  };
  const fleetStats = fleet.processes.map((f, i) => ({ nodes: fleet.groups[i]!.ids.length, profile: fleet.groups[i]!.profile, cpuPercentOfCore: cpuPercent(before.fleets[i]!, after.fleets[i]!, wallS), rssMb: memoryMb(f.pid!).rssMb }));
  return {
    windowS: round(wallS),
    scheduler: { cpuPercentOfCore: cpuPercent(before.scheduler, after.scheduler, wallS), mainThreadCpuPercentOfCore: cpuPercent(before.schedulerMainThread, after.schedulerMainThread, wallS), rssMb: { last: rss.at(-1), peak: Math.max(...rss), samples: rss.length }, jsHeapUsedMb: heapFromMetrics(await scrape(site)).heapMb },
    reportLag: q99(before.lag, after.lag),
    passDuration: q99(before.pass, after.pass),
    nats: { cpuPercentOfCore: cpuPercent(before.nats, after.nats, wallS), inMsgsPerS: perS('in_msgs'), outMsgsPerS: perS('out_msgs'), inKBPerS: round(perS('in_bytes') / 1024), outKBPerS: round(perS('out_bytes') / 1024) },
    fleets: fleetStats,
    perHollowNodeCpuPercent: round(fleetStats.reduce((s, f) => s + f.cpuPercentOfCore, 0) / allIds.length, 3),
    loadAvg1m: { min: round(Math.min(...load), 2), max: round(Math.max(...load), 2) },
  };
}

/** kill -9 and start again at once (as systemd's Restart= would); times until serving, every node back, and a new job placed. */
async function recoverAfterKill9(site: Site, fleet: Fleet, steady: Steady, stopJobStream: () => void) {
  const { client } = site;
  if (CPU_PROF) {
    // node --cpu-prof writes its profile on a clean exit.
    site.scheduler.kill('SIGTERM');
    await once(site.scheduler, 'exit');
    site.scheduler = site.startScheduler();
    const restarted = Date.now();
    await waitFor('every node back after a clean restart', async () => (await site.readySince(restarted)) === allIds.length, 10 * 60_000);
  }
  const loadAtKill = loadavg()[0]!;
  // The fleet processes share the 2 cores with the successor: their CPU during recovery too.
  const fleetCpuAtKill = fleet.processes.map((f) => cpuSeconds(f.pid!));
  const natsCpuAtKill = cpuSeconds(site.nats.process.pid!);
  const killedAt = Date.now();
  site.scheduler.kill('SIGKILL');
  await once(site.scheduler, 'exit');
  // Profiled too: stop() ends it cleanly, so its start-up and the re-registrations are in it.
  site.scheduler = site.startScheduler(CPU_PROF);
  await waitFor('the new scheduler to serve', () => client.rpc('GetSite', {}), 5 * 60_000);
  const servingS = (Date.now() - killedAt) / 1000;
  const cpuAtServing = successorCpu(site);
  await waitFor('every node back', async () => (await site.readySince(killedAt)) === allIds.length, 10 * 60_000);
  const nodesBackS = (Date.now() - killedAt) / 1000;
  // Steadier than the times on a shared machine: the CPU the successor needed to get there.
  const cpuAllBack = successorCpu(site);
  const reportsApplied = Number(/^wattpack_node_report_lag_seconds_count(?:\{[^}]*\})? (\S+)$/m.exec(await scrape(site))?.[1] ?? NaN);
  const fleetCpuS = round(fleet.processes.reduce((sum, f, i) => sum + cpuSeconds(f.pid!) - fleetCpuAtKill[i]!, 0), 2);
  const natsCpuS = round(cpuSeconds(site.nats.process.pid!) - natsCpuAtKill, 2);
  stopJobStream();
  const probe = await client.rpc<Job__Output>('SubmitJob', { specJson: JSON.stringify({ name: 'after-kill', gpus: 1, command: ['sleep', '5'] }) });
  await waitFor('a new job to be placed', async () => {
    const j = await client.rpc<Job__Output>('GetJob', { id: probe.id });
    return j.state !== 'PENDING';
  }, 5 * 60_000);
  const placedS = (Date.now() - killedAt) / 1000;
  // The successor's own count: more stored than nodes is agents that retried.
  const metrics = await scrape(site);
  const registrations = Object.fromEntries([...metrics.matchAll(/^wattpack_node_registrations_total\{result="(\w+)"\} (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  // Its packing passes so far (a registration storm spaces them out: loop/cycle.ts).
  const passes = Number(/^wattpack_scheduling_pass_duration_seconds_count(?:\{[^}]*\})? (\S+)$/m.exec(metrics)?.[1] ?? NaN);
  return { servingS: round(servingS), allNodesReadyS: round(nodesBackS), newJobPlacedS: round(placedS), successorCpuSUntilAllBack: round(cpuAllBack.process, 2), successorCpuSAtServing: round(cpuAtServing.process, 2), successorMainThreadCpuS: { atServing: cpuAtServing.main, untilAllBack: cpuAllBack.main }, reportsApplied, cpuMsPerRegistration: cpuMsPerRegistration(steady, cpuAtServing.main, cpuAllBack.main, reportsApplied), fleetCpuSUntilAllBack: fleetCpuS, natsCpuSUntilAllBack: natsCpuS, registrations, successorPasses: passes, loadAvg1mAtKill: round(loadAtKill, 2) };
}

/** The successor's CPU seconds: the whole process, and its main thread (the event loop: agents' connections, registrations, reports, passes). */
const successorCpu = (site: Site) => ({ process: cpuSeconds(site.scheduler.pid!), main: mainThreadCpuSeconds(site.scheduler.pid!) });

/**
 * The successor's main-thread CPU per registration from serving until every node is back.
 * A slow recovery applies more reports from the nodes already back (800 a second at 800
 * nodes): they are taken out at the steady window's cost per report. The main thread only:
 * the process's figure also held the accounting store's worker, which compiles its
 * Postgres (WebAssembly) beside the storm, 0.7-3 s of CPU from one run to the next (perf).
 */
function cpuMsPerRegistration(steady: Steady, atServingS: number, allBackS: number, reports: number): number {
  const steadyCpuSPerReport = ((steady.scheduler.mainThreadCpuPercentOfCore / 100) * steady.windowS) / steady.reportLag.observed;
  return round(((allBackS - atServingS - reports * steadyCpuSPerReport) / allIds.length) * 1000, 2);
}

/** `ids` in `n` nearly equal consecutive parts. */
function split<T>(ids: T[], n: number): T[][] {
  const size = Math.ceil(ids.length / n);
  return Array.from({ length: n }, (_, i) => ids.slice(i * size, (i + 1) * size));
}

async function stop(): Promise<void> {
  stopping = true;
  // node --cpu-prof writes the fleets' profiles on a clean exit too.
  if (CPU_PROF) await Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => (c.kill('SIGTERM'), once(c, 'exit'))));
  for (const c of children.reverse()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await natsServer?.stop({ removeStore: true });
  if (process.env.BENCH_FLEET_KEEP === '1') process.stderr.write(`logs kept in ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench:fleet failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stop().then(() => process.exit()));
