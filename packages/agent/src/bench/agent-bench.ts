/**
 * `pnpm bench:agent`: the agent's footprint, printed as JSON.
 *
 * Runs the built agent as a child process against a local NATS and a stand-in scheduler
 * that asks for a report every second, and measures the agent process alone (its own
 * CPU time, not its children's; RSS from /proc) over a window after a warm-up:
 *   - nvidia: 8 GPUs through the fake nvidia-smi (test-fixtures/bin) printing the H100
 *     load capture; the fake is a Node script, so its CPU (childCpuPctOfCore: the agent's
 *     children, dmesg included) says little about the real tool and is reported apart;
 *   - simulated: --simulate h100x8;
 *   - miners: 100 simulated miners (in this process) managed by the agent (polled every
 *     5 s when nothing changes); then 20 polls of the same miners in this process with the
 *     agent's 1 s settings, whose durations must stay under the report interval.
 * Usage: node dist/bench/agent-bench.js [--seconds 60] [--only nvidia|simulated|miners] [--cpu-prof <dir>]
 * (--cpu-prof: the agent runs under `node --cpu-prof`, one .cpuprofile per scenario in dir.)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { createLogger, grpcServerCredentials, loadCredentials, loadProto, localSiteTrust, startNatsServer, type LocalSiteTrust } from '@wattpack/common';
import type { AgentMessage__Output } from '@wattpack/common/proto/AgentMessage';
import type { SchedulerMessage } from '@wattpack/common/proto/SchedulerMessage';
import { stringify } from 'yaml';
import { MinerFleet } from '../collectors/asic/fleet.js';
import { startMiners } from '../collectors/asic/simulator.js';

const REPORT_MS = 1000;
const WARMUP_MS = 5000;
const START_DEADLINE_MS = 60_000;
const MINERS = 100;
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const flag = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const seconds = Number(flag('--seconds')) || 60;
const only = flag('--only');
const cpuProfDir = flag('--cpu-prof');
/** Clock ticks per second of /proc's CPU times. */
const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** A scheduler that registers every agent with a 1 s report interval, counts reports and keeps the last. */
async function stubScheduler(): Promise<{ address: string; reports: () => number; last: () => AgentMessage__Output['report']; close(): void }> {
  let reports = 0;
  let last: AgentMessage__Output['report'];
  const server = new grpc.Server();
  server.addService(loadProto().wattpack.v1.NodeService.service, {
    Connect(call: grpc.ServerDuplexStream<AgentMessage__Output, SchedulerMessage>) {
      call.on('data', (msg: AgentMessage__Output) => {
        if (msg.register) call.write({ registered: { nodeId: msg.register.nodeId, reportIntervalMs: REPORT_MS } });
        if (msg.report) {
          reports++;
          last = msg.report;
        }
      });
      call.on('error', () => {});
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((ok, fail) => server.bindAsync('127.0.0.1:0', grpcServerCredentials(loadCredentials(trust.schedulerCredentials)), (err, p) => (err ? fail(err) : ok(p))));
  return { address: `127.0.0.1:${port}`, reports: () => reports, last: () => last, close: () => server.forceShutdown() };
}

/** A process's own CPU time and that of its children (exited ones and those still running), in seconds. */
function cpu(pid: number): { own: number; children: number } {
  const stat = (p: number) => readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 0, utime 11, stime 12, cutime 13, cstime 14.
  const f = stat(pid);
  let children = Number(f[13]) + Number(f[14]);
  const live = (p: number): number[] => {
    const kids = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
    return kids.flatMap((k) => [k, ...live(k)]);
  };
  for (const k of live(pid)) {
    try {
      const s = stat(k);
      children += Number(s[11]) + Number(s[12]);
    } catch {
      // gone meanwhile: counted in cutime
    }
  }
  return { own: (Number(f[11]) + Number(f[12])) / ticks, children: children / ticks };
}

const rssMb = (pid: number, field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

async function measureAgent(name: string, args: string[], env: NodeJS.ProcessEnv, nats: string) {
  const scheduler = await stubScheduler();
  await trust.pki.issue({ name: `bench-${name}`, role: 'node', teams: [] });
  await natsServer.reload();
  // The installed command, as operators run it (its shebang carries the agent's V8 settings, repeated when profiling).
  const bin = join(packageDir, 'bin/wattpack-agent.js');
  const v8Flags = readFileSync(bin, 'utf8').split('\n')[0]!.split(' node ')[1]?.split(' ') ?? [];
  const [command, ...prefix] = cpuProfDir ? [process.execPath, ...v8Flags, '--cpu-prof', '--cpu-prof-dir', cpuProfDir, '--cpu-prof-name', `agent-${name}.cpuprofile`, bin] : [bin];
  const child: ChildProcess = spawn(command!, [...prefix, '--credentials', trust.nodeCredentials(`bench-${name}`), '--nats', nats, '--scheduler', scheduler.address, '--log-level', 'warn', ...args], {
    env: { ...env, PATH: `${dirname(process.execPath)}:${env.PATH}` },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const pid = child.pid!;
    // Warm-up: from the first report (a loaded machine starts the agent slowly), then WARMUP_MS.
    const deadline = Date.now() + START_DEADLINE_MS;
    while (scheduler.reports() === 0) {
      if (Date.now() > deadline) throw new Error(`${name}: no report within ${START_DEADLINE_MS / 1000} s`);
      await sleep(100);
    }
    await sleep(WARMUP_MS);
    const c0 = cpu(pid);
    const r0 = scheduler.reports();
    const rss: number[] = [];
    for (let s = 0; s < seconds; s++) {
      await sleep(1000);
      rss.push(rssMb(pid, 'VmRSS'));
    }
    const c1 = cpu(pid);
    const last = scheduler.last();
    return {
      reports: scheduler.reports() - r0,
      // What the last report held: an agent that cannot read its devices is cheap and wrong.
      gpusWithDraw: last?.gpus.filter((g) => g.powerDrawW !== undefined && g.powerDrawW !== null).length ?? 0,
      minersMining: last?.miners.filter((m) => m.state === 'MINER_RUN_STATE_MINING').length ?? 0,
      cpuPctOfCore: round(((c1.own - c0.own) / seconds) * 100),
      childCpuPctOfCore: round(((c1.children - c0.children) / seconds) * 100),
      rssMbAvg: round(rss.reduce((a, b) => a + b, 0) / rss.length, 1),
      rssMbPeak: round(rssMb(pid, 'VmHWM'), 1),
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    scheduler.close();
  }
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

// Security on, as on a site: TLS to the stand-in scheduler and to NATS, one credential per agent.
let trust: LocalSiteTrust;
let natsServer: Awaited<ReturnType<typeof startNatsServer>>;

async function main(): Promise<void> {
  trust = await localSiteTrust(mkdtempSync(join(tmpdir(), 'agent-bench-pki-')), []);
  const nats = (natsServer = await startNatsServer({ config: trust.natsConfig }));
  const miners = await startMiners(MINERS, ['antminer-s19pro', 'luxos-s19kpro', 'braiins-s19xp', 'antminer-s21', 'vnish-s19xp']);
  const dir = mkdtempSync(join(tmpdir(), 'agent-bench-'));
  const minersFile = join(dir, 'miners.yaml');
  writeFileSync(minersFile, stringify(miners.map((m) => m.configEntry())));
  try {
    const fake = { ...process.env, PATH: `${join(packageDir, 'test-fixtures/bin')}:${process.env.PATH}`, FAKE_NVIDIA_SMI_CAPTURE: 'h100-load', FAKE_NVIDIA_SMI_GPUS: '8' };
    const scenario = (name: string, args: string[], env: NodeJS.ProcessEnv) => (!only || only === name ? measureAgent(name, args, env, nats.url) : undefined);
    const nvidia = await scenario('nvidia', ['--gpus', 'nvidia'], fake);
    const simulated = await scenario('simulated', ['--simulate', 'h100x8'], process.env);
    const withMiners = await scenario('miners', ['--gpus', 'none', '--miners', minersFile], process.env);

    // Poll durations of the same 100 miners, with the agent's per-command timeout at a 1 s interval.
    const fleet = await MinerFleet.open({ miners: miners.map((m) => ({ firmware: 'auto', ...m.configEntry() }) as never), pollIntervalMs: REPORT_MS, timeoutMs: 800, logger: createLogger('bench', 'silent') });
    const polls: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await fleet.poll();
      polls.push(performance.now() - t0);
    }
    const states = await fleet.sample();
    await fleet.stop();

    const result = {
      host: { cpus: (await import('node:os')).cpus().length, node: process.version },
      windowSeconds: seconds,
      reportIntervalMs: REPORT_MS,
      nvidia8Gpus: nvidia,
      simulatedH100x8: simulated,
      miners100: {
        agent: withMiners,
        pollMs: { p50: round(percentile(polls, 50), 1), p95: round(percentile(polls, 95), 1), max: round(Math.max(...polls), 1) },
        withinInterval: Math.max(...polls) < REPORT_MS,
        mining: states.filter((s) => s.state === 'MINER_RUN_STATE_MINING').length,
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await Promise.all(miners.map((m) => m.stop()));
    await nats.stop({ removeStore: true });
  }
}

await main();
