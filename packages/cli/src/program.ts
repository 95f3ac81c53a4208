import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { WattpackError, type ErrorCode } from '@wattpack/shared';
import { registerCancel } from './commands/cancel.js';
import { registerDev } from './commands/dev.js';
import { registerDrain } from './commands/drain.js';
import { registerSim } from './commands/sim.js';
import { registerJob } from './commands/job.js';
import { registerJobs } from './commands/jobs.js';
import { registerLogs } from './commands/logs.js';
import { registerNodes } from './commands/nodes.js';
import { registerSite } from './commands/site.js';
import { registerSubmit } from './commands/submit.js';
import { Context, type App, type GlobalOptions, type Io } from './context.js';

export const DEFAULT_SCHEDULER = '127.0.0.1:7700';

/** Usage errors (commander's own included) are 2. */
const EXIT_CODES: Record<ErrorCode, number> = {
  INTERNAL: 1,
  FAILED_PRECONDITION: 1,
  // A full queue (the team's limit of queued jobs): the operation failed, try later.
  RESOURCE_EXHAUSTED: 1,
  INVALID_ARGUMENT: 2,
  NOT_FOUND: 3,
  UNAVAILABLE: 4,
};

const EPILOG = `
Exit codes:
  0  ok
  1  the job failed, or the operation failed (e.g. the team's queue is full)
  2  bad usage or invalid input (a bad flag, an invalid job spec: nothing was sent)
  3  not found (e.g. an unknown job id)
  4  the scheduler is unreachable

Environment:
  WATTPACK_SCHEDULER  scheduler address (default ${DEFAULT_SCHEDULER})
  WATTPACK_DEV_DIR    state directory of "wattpack dev" (default ~/.wattpack/dev)`;

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Runs the CLI on `argv` (without node and the script) and returns the exit code; never throws. */
export async function run(argv: string[], io: Io): Promise<number> {
  let exitCode = 0;
  const contexts: Context[] = [];
  const app: App = {
    action: (handler) => async (...args) => {
      const cmd = args.at(-1) as Command;
      const ctx = new Context(io, cmd.optsWithGlobals<GlobalOptions>(), argv);
      contexts.push(ctx);
      exitCode = (await handler(ctx, cmd)) ?? 0;
    },
  };
  // Settings first: subcommands copy them when created.
  const program = new Command('wattpack')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(add --help for usage)')
    .version(VERSION)
    .description('Schedule GPU jobs under a site power cap.')
    .addOption(new Option('--scheduler <host:port>', 'scheduler address (env WATTPACK_SCHEDULER)').default(io.env.WATTPACK_SCHEDULER || DEFAULT_SCHEDULER))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText('after', EPILOG);
  for (const register of [registerSubmit, registerJobs, registerJob, registerCancel, registerLogs, registerNodes, registerSite, registerDrain, registerSim, registerDev]) {
    register(program, app);
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    // Commander has already printed its message (or the help).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const e = WattpackError.from(err);
    io.err(`error: ${e.message}\n`);
    return EXIT_CODES[e.code];
  } finally {
    for (const ctx of contexts) ctx.close();
  }
}
