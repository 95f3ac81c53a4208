import { Command, CommanderError, Option } from 'commander';
import { WattpackError, exitCodeOf, versionText } from '@wattpack/common/core';
import { registerAdmin } from './commands/admin.js';
import { registerAudit } from './commands/audit.js';
import { registerHistory, registerShares, registerUsage } from './commands/accounting.js';
import { registerCancel } from './commands/cancel.js';
import { registerCompletion } from './commands/completion.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerLogin } from './commands/login.js';
import { registerDev } from './commands/dev.js';
import { registerDrain } from './commands/drain.js';
import { registerSim } from './commands/sim.js';
import { registerJob } from './commands/job.js';
import { registerJobs } from './commands/jobs.js';
import { registerLogs } from './commands/logs.js';
import { registerNodes } from './commands/nodes.js';
import { registerPlan } from './commands/plan.js';
import { registerSite } from './commands/site.js';
import { registerSubmit } from './commands/submit.js';
import { Context, DEFAULT_SCHEDULER, loadClient, OUTPUT_FORMATS, type App, type GlobalOptions, type Io } from './context.js';

const EPILOG = `
Exit codes:
  0  ok
  1  the job failed, or the operation failed (e.g. the team's queue is full)
  2  bad usage or invalid input (a bad flag, an invalid job spec: nothing was sent)
  3  not found (e.g. an unknown job id)
  4  the scheduler is unreachable
  5  not allowed: no valid credential, or your role or team does not permit it
  submit --wait and job --watch exit with the job's own exit code, like srun: 0 if it
  succeeded; 1 if it failed without one; 143 if it was cancelled (see docs/cli.md)

Environment:
  WATTPACK_CONFIG     the CLI's contexts: scheduler address and credential (default ~/.config/wattpack/config.yaml)
  WATTPACK_CONTEXT    the context to use instead of the current one
  WATTPACK_SCHEDULER  scheduler address (default: the context's, else ${DEFAULT_SCHEDULER})
  WATTPACK_DEV_DIR    state directory of "wattpack dev" (default ~/.wattpack/dev)`;


/** Runs the CLI on `argv` (without node and the script) and returns the exit code; never throws. */
export async function run(argv: string[], io: Io): Promise<number> {
  let exitCode = 0;
  const contexts: Context[] = [];
  const app: App = {
    action: (handler) => async (...args) => {
      const cmd = args.at(-1) as Command;
      await loadClient();
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
    .version(versionText())
    .description('Schedule GPU jobs under a site power cap.')
    .addOption(new Option('--scheduler <host:port>', `scheduler address (env WATTPACK_SCHEDULER; default: the context's, else ${DEFAULT_SCHEDULER})`))
    .addOption(new Option('--context <name>', 'which context of the config file to use (env WATTPACK_CONTEXT; default: its current context)'))
    .addOption(new Option('--insecure', 'no TLS and no credential, for a scheduler started with --insecure (debugging only)'))
    .addOption(new Option('-o, --output <format>', 'output format: wide has more columns; json and yaml are the API objects; csv for history and usage').choices(OUTPUT_FORMATS).default('table'))
    .addHelpText('after', EPILOG);
  for (const register of [registerSubmit, registerJobs, registerJob, registerCancel, registerLogs, registerNodes, registerSite, registerPlan, registerDrain, registerSim, registerDev, registerLogin, registerAdmin, registerAudit, registerHistory, registerUsage, registerShares, registerDashboard, registerCompletion]) {
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
    return exitCodeOf(e.code);
  } finally {
    for (const ctx of contexts) ctx.close();
  }
}
