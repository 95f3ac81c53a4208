import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { SIM_KINDS, type SimKind } from './collectors/asic/simulator.js';
import { applyConfigFile, configFlag } from './config-file.js';
import { parseProfile, PROFILE_HELP } from './collectors/simulated/profile.js';
import { DEFAULTS, GPU_SOURCES, parseAddress, parseGpuSource, parseLabels, parseNodeId, parseReportInterval, parseRuntime, parseSchedulerAddress, resolveHardware, RUNTIMES, type AgentOptions } from './options.js';
import { versionText } from '@wattpack/common/daemon';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** What `wattpack-agent probe` looks at. */
export type ProbeTarget = { gpus: true } | { miner: string; firmware?: string; web?: string };

/** `wattpack-agent simulate-miners`: miners that answer with recorded replies, for demos. */
export interface MinerSimOptions {
  count: number;
  kinds: SimKind[];
  transitionMs: number;
  write?: string;
}

export type CommandLine =
  | { run: AgentOptions; logLevel: string; fleet?: string }
  | { probe: ProbeTarget; json: boolean }
  | { simulateMiners: MinerSimOptions }
  | { exitCode: number };

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const stdio: Output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** Our validators throw WattpackError; commander wants InvalidArgumentError to report "option X argument Y is invalid". */
const check =
  <T>(parse: (value: string) => T) =>
  (value: string): T => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };

interface RunFlags {
  scheduler: string;
  nats: string;
  nodeId?: string;
  simulate?: string;
  simulateBmc?: string;
  gpus?: string;
  miners?: string;
  runtime: string;
  labels?: Record<string, string>;
  reportInterval: number;
  jobRoot?: string;
  address?: string;
  logLevel: string;
  credentials?: string;
  insecure?: boolean;
  metricsAddr?: string;
  fleet?: string;
  bmc?: string;
  bmcCredentials?: string;
  bmcCa?: string;
  bmcChassis?: string;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error(`"${value}": use a whole number from 1 to 100000`);
  return n;
}

function parseSimKinds(value: string): SimKind[] {
  return value.split(',').map((k) => {
    const kind = SIM_KINDS.find((s) => s === k.trim());
    if (!kind) throw new Error(`unknown kind "${k}": use ${SIM_KINDS.join(', ')}`);
    return kind;
  });
}

/** Flags handed to the agent as they are, when given. */
const PASSED_ON = ['simulate', 'simulateBmc', 'gpus', 'miners', 'nodeId', 'labels', 'credentials', 'jobRoot', 'metricsAddr', 'address', 'bmc', 'bmcCredentials', 'bmcCa', 'bmcChassis'] as const;

/** The keys of `o` among `keys` that are set (not undefined or empty). */
function given<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((k) => o[k]).map((k) => [k, o[k]])) as Partial<Pick<T, K>>;
}

/** The agent's options from its flags (`insecure` as the environment allows it). */
function agentOptionsOf(o: RunFlags, insecure: boolean): AgentOptions {
  return {
    scheduler: o.scheduler,
    nats: o.nats,
    runtime: o.runtime,
    reportIntervalMs: o.reportInterval,
    ...(insecure ? { insecure: true } : {}),
    ...given(o, PASSED_ON),
  };
}

/** Running the agent: its options, once the hardware they name resolves (exit 2 with one line if not). */
function runCommand(o: RunFlags, insecure: boolean, io: Output): CommandLine {
  const run = agentOptionsOf(o, insecure);
  try {
    resolveHardware(run);
    if (o.fleet && !o.simulate) throw new Error('--fleet runs simulated nodes: give --simulate <profile>');
  } catch (err) {
    io.err(`error: ${(err as Error).message}\n`);
    return { exitCode: 2 };
  }
  return { run, logLevel: o.logLevel, ...(o.fleet ? { fleet: o.fleet } : {}) };
}

/** `wattpack-agent probe`: what the agent sees of the GPUs, or of one miner. */
function addProbe(program: Command, io: Output, set: (r: CommandLine) => void): void {
  program
    .command('probe')
    .description('print what the agent sees of the GPUs, or of one miner, and exit (non-zero on failure)')
    .option('--gpus', 'the NVIDIA GPUs, through nvidia-smi')
    .option('--miner <host:port>', 'one miner, through its API (port 4028 unless given)')
    .addOption(new Option('--firmware <name>', 'the miner firmware, if autodetection is not wanted').choices(['auto', 'luxos', 'braiins', 'antminer', 'vnish', 'cgminer']))
    .option('--web <url>', "the miner's web or REST base URL (default http://<host>); credentials from WATTPACK_MINER_USERNAME and WATTPACK_MINER_PASSWORD")
    .option('--json', 'print JSON')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .action((o: { gpus?: boolean; miner?: string; firmware?: string; web?: string; json?: boolean }) => {
      if (Boolean(o.gpus) === Boolean(o.miner)) {
        io.err('error: probe needs exactly one of --gpus or --miner <host:port>\n');
        set({ exitCode: 2 });
        return;
      }
      const target: ProbeTarget = o.miner ? { miner: o.miner, ...(o.firmware ? { firmware: o.firmware } : {}), ...(o.web ? { web: o.web } : {}) } : { gpus: true };
      set({ probe: target, json: Boolean(o.json) });
    });
}

/** `wattpack-agent simulate-miners`: miners answering with recorded replies, and a miners file for them. */
function addSimulateMiners(program: Command, io: Output, set: (r: CommandLine) => void): void {
  program
    .command('simulate-miners')
    .description('run simulated miners on 127.0.0.1 that answer with real recorded replies, and print a miners file for them')
    .addOption(new Option('--count <n>', 'how many').default(4).argParser(check(positiveInt)))
    .addOption(new Option('--kinds <list>', `comma-separated, cycled through: ${SIM_KINDS.join(', ')}`).default(SIM_KINDS.join(',')).argParser(check(parseSimKinds)))
    .addOption(new Option('--transition-ms <ms>', 'how long a sleep or wake takes to show').default(2000).argParser(check(positiveInt)))
    .option('--write <file>', 'also write the miners file there')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .action((o: { count: number; kinds: SimKind[] | string; transitionMs: number; write?: string }) => {
      const kinds = typeof o.kinds === 'string' ? parseSimKinds(o.kinds) : o.kinds;
      set({ simulateMiners: { count: o.count, kinds, transitionMs: o.transitionMs, ...(o.write ? { write: o.write } : {}) } });
    });
}

/** Parses the agent's flags; invalid ones print one line on stderr and give exit code 2. */
export function parseCommandLine(argv: string[], io: Output = stdio): CommandLine {
  let result: CommandLine | undefined;
  const program = new Command('wattpack-agent')
    .description('The wattpack node agent: runs job attempts, applies power limits, reports GPUs and miners to the scheduler.')
    .version(versionText())
    // `probe --gpus` is the probe's flag, not the agent's --gpus <source>.
    .enablePositionalOptions()
    .addOption(new Option('--scheduler <host:port>', 'scheduler gRPC address').env('WATTPACK_SCHEDULER').default(DEFAULTS.scheduler).argParser(check(parseSchedulerAddress)))
    .addOption(new Option('--nats <url>', 'NATS server URL(s), comma-separated').env('WATTPACK_NATS').default(DEFAULTS.nats))
    .addOption(new Option('--node-id <id>', 'node id (default: this host name, sanitized to letters, digits, "_" and "-")').env('WATTPACK_NODE_ID').argParser(check(parseNodeId)))
    .addOption(new Option('--simulate <profile>', `simulate hardware instead of using real GPUs and miners: ${PROFILE_HELP}`).env('WATTPACK_SIMULATE').argParser(check((v) => (parseProfile(v), v))))
    .addOption(new Option('--gpus <source>', `GPUs: ${GPU_SOURCES.join(', ')} (auto: nvidia when nvidia-smi is on PATH)`).env('WATTPACK_GPUS').argParser(check((v) => (parseGpuSource(v), v))))
    .addOption(new Option('--miners <file.yaml>', 'miners this agent manages: a YAML list of {endpoint, firmware?, model?, credentials?}').env('WATTPACK_MINERS'))
    .option('--simulate-bmc <file>', "with --simulate: the simulated BMC's file (listen, credentials, TLS, boot time) that the scheduler powers the server off and on through; while off, the agent goes dark")
    .addOption(new Option('--bmc <https://address | ipmi>', "where the server's input power is read: its BMC's Redfish address, or ipmi (ipmitool dcmi, in-band) where Redfish is absent").env('WATTPACK_BMC'))
    .addOption(new Option('--bmc-credentials <file>', 'the Redfish user: a YAML or JSON file { username, password }').env('WATTPACK_BMC_CREDENTIALS'))
    .addOption(new Option('--bmc-ca <file.pem>', "the CA of the BMC's certificate (BMCs mostly sign their own)").env('WATTPACK_BMC_CA'))
    .addOption(new Option('--bmc-chassis <id>', 'which Redfish chassis (default: the first listed)').env('WATTPACK_BMC_CHASSIS'))
    .addOption(new Option('--runtime <name>', `how jobs run: ${RUNTIMES.join(', ')}`).env('WATTPACK_RUNTIME').default(DEFAULTS.runtime).argParser(check(parseRuntime)))
    .addOption(new Option('--labels <key=value,...>', 'node labels, e.g. rack=r1,zone=a').env('WATTPACK_LABELS').argParser(check(parseLabels)))
    .addOption(new Option('--report-interval <ms>', 'report interval until the scheduler sets one').env('WATTPACK_REPORT_INTERVAL').default(DEFAULTS.reportIntervalMs).argParser(check(parseReportInterval)))
    .addOption(new Option('--job-root <dir>', "where host-process jobs get their working directories (default: <tmpdir>/wattpack-jobs-<uid>); the agent's own, writable by no one else").env('WATTPACK_JOB_ROOT'))
    .addOption(new Option('--address <ip|host>', "where other nodes reach this one: a job's ranks meet at rank 0's (default: the first non-loopback IPv4 address)").env('WATTPACK_ADDRESS').argParser(check(parseAddress)))
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).env('WATTPACK_LOG_LEVEL').default('info'))
    .addOption(new Option('--credentials <dir>', "the node's credentials (wattpack admin issue node <id>): its certificate names the node").env('WATTPACK_CREDENTIALS'))
    .addOption(new Option('--metrics-addr <host:port>', 'serve /metrics (DCGM-exporter names), /healthz and /readyz over plain HTTP there; off unless given (not with --fleet)').env('WATTPACK_METRICS_ADDR').conflicts(['fleet']))
    .addOption(new Option('--fleet <dir>', 'hollow nodes: run every node whose credentials folder is in <dir> in this one process, each a full agent on --simulate hardware (site-sized fleets on one machine)').env('WATTPACK_FLEET').conflicts(['credentials', 'nodeId', 'insecure']))
    .addOption(new Option('--insecure', 'no TLS and no credentials: anyone on the network can command this node. Debugging only').env('WATTPACK_INSECURE'))
    .addOption(new Option('--config <file>', 'settings (YAML): any flag above in camelCase, e.g. reportInterval: 500. A flag wins over WATTPACK_*, which wins over the file (docs/operations.md)'))
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .action((o: RunFlags) => {
      // An environment boolean is on only when it says so (commander takes any value as on).
      const insecure = o.insecure === true && (program.getOptionValueSource('insecure') !== 'env' || process.env.WATTPACK_INSECURE === 'true');
      result = runCommand(o, insecure, io);
    });

  addProbe(program, io, (r) => (result = r));
  addSimulateMiners(program, io, (r) => (result = r));

  try {
    const file = configFlag(argv);
    if (file) applyConfigFile(program, file);
  } catch (err) {
    io.err(`error: ${(err as Error).message}\n`);
    return { exitCode: 2 };
  }
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return { exitCode: err.exitCode === 0 ? 0 : 2 };
    throw err;
  }
  return result ?? { exitCode: 2 };
}
