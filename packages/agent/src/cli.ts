import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseProfile, PROFILE_HELP } from './collectors/simulated/profile.js';
import { DEFAULTS, missingSimulateMessage, parseLabels, parseNodeId, parseReportInterval, parseRuntime, parseSchedulerAddress, RUNTIMES, type AgentOptions } from './options.js';
import { AGENT_VERSION } from './version.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export type CommandLine = { run: AgentOptions; logLevel: string } | { exitCode: number };

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

/** Parses the agent's flags; invalid ones print one line on stderr and give exit code 2. */
export function parseCommandLine(argv: string[], io: Output = stdio): CommandLine {
  const program = new Command('wattpack-agent')
    .description('The wattpack node agent: runs job attempts, applies power limits, reports GPUs and miners to the scheduler.')
    .version(AGENT_VERSION)
    .addOption(new Option('--scheduler <host:port>', 'scheduler gRPC address').env('WATTPACK_SCHEDULER').default(DEFAULTS.scheduler).argParser(check(parseSchedulerAddress)))
    .addOption(new Option('--nats <url>', 'NATS server URL(s), comma-separated').env('WATTPACK_NATS').default(DEFAULTS.nats))
    .addOption(new Option('--node-id <id>', 'node id (default: this host name, sanitized to letters, digits, "_" and "-")').argParser(check(parseNodeId)))
    .addOption(new Option('--simulate <profile>', `simulate hardware (required until real collectors exist): ${PROFILE_HELP}`).argParser(check((v) => (parseProfile(v), v))))
    .addOption(new Option('--runtime <name>', `how jobs run: ${RUNTIMES.join(', ')}`).default(DEFAULTS.runtime).argParser(check(parseRuntime)))
    .addOption(new Option('--labels <key=value,...>', 'node labels, e.g. rack=r1,zone=a').argParser(check(parseLabels)))
    .addOption(new Option('--report-interval <ms>', 'report interval until the scheduler sets one').default(DEFAULTS.reportIntervalMs).argParser(check(parseReportInterval)))
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).env('WATTPACK_LOG_LEVEL').default('info'))
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return { exitCode: err.exitCode === 0 ? 0 : 2 };
    throw err;
  }
  const o = program.opts<{ scheduler: string; nats: string; nodeId?: string; simulate?: string; runtime: string; labels?: Record<string, string>; reportInterval: number; logLevel: string }>();
  if (!o.simulate) {
    io.err(`error: ${missingSimulateMessage()}\n`);
    return { exitCode: 2 };
  }
  return {
    run: {
      scheduler: o.scheduler,
      nats: o.nats,
      simulate: o.simulate,
      runtime: o.runtime,
      reportIntervalMs: o.reportInterval,
      ...(o.nodeId ? { nodeId: o.nodeId } : {}),
      ...(o.labels ? { labels: o.labels } : {}),
    },
    logLevel: o.logLevel,
  };
}
