import type { Command } from 'commander';
import { WattpackError } from '@wattpack/common';
import { collect, numberArg } from '../args.js';
import type { App } from '../context.js';
import { followJob } from '../follow.js';
import { loadJobSpec, type SpecFlags } from '../job-spec.js';
import { jobStatus } from '../output/jobs.js';

/**
 * Commander drops the `--` itself, so the tokens after it (the job's argv) are counted in
 * the command line: they are the last operands.
 */
function splitOperands(cmd: Command, commandLine: readonly string[]): { file?: string; argv: string[] } {
  const dash = commandLine.indexOf('--');
  const argvCount = dash < 0 ? 0 : commandLine.length - dash - 1;
  const operands = cmd.args;
  const files = operands.slice(0, operands.length - argvCount);
  if (files.length > 1) throw new WattpackError('INVALID_ARGUMENT', `one job file at a time; put the command after --, e.g. wattpack submit --gpus 1 -- ${files.join(' ')}`);
  return { file: files[0], argv: operands.slice(operands.length - argvCount) };
}

export function registerSubmit(program: Command, app: App): void {
  program
    .command('submit')
    .summary('submit a job from a YAML file, flags, or both')
    .description(
      'Submit a job. The file has the job spec keys (name, team, command, args, env, image, gpus, nodes, ' +
        'gpuModels, priority, maxRuntime, power, checkpoint, preemptible, flex); flags override them, and everything after -- ' +
        'is the program and its arguments (run directly, never through a shell; it replaces the file\'s command and args). ' +
        'The spec is checked here before it is sent.',
    )
    .usage('[options] [file] [-- command [args...]]')
    .argument('[file]', 'job spec file (YAML)')
    .argument('[command...]', 'after --: the program and its arguments')
    .option('--name <name>', 'job name')
    .option('--team <team>', 'team the job is accounted to')
    .option('--gpus <n>', 'GPUs on each node', numberArg)
    .option('--nodes <n>', 'nodes of a gang (all start together)', numberArg)
    .option('--gpu-model <model>', 'accepted GPU model, e.g. H100 (repeat or comma-separate)', collect)
    .option('--image <image>', 'container image (none: run on the host)')
    .option('--priority <n>', 'priority 0-1000 (default 100)', numberArg)
    .option('--max-runtime <duration>', 'stop the job after this long, e.g. 90m, 2h')
    .option('--env <KEY=VALUE>', 'environment variable (repeatable)', collect)
    .option('--min-watts <W>', 'lowest per-GPU power limit the job accepts', numberArg)
    .option('--max-watts <W>', 'highest per-GPU power limit the job wants', numberArg)
    .option('--cpus <n>', 'CPU limit of each node part (containers)', numberArg)
    .option('--memory <MiB>', 'memory limit of each node part in MiB (containers; exit 137 under it is reported as out of memory)', numberArg)
    .option('--preemptible', 'may be checkpointed and requeued for other work or a cap drop (the default)')
    .option('--no-preemptible', 'must not be preempted')
    .option('--flex <percent>', "flexibility class: 0, 10, 25 or 50 (% slowdown tolerated when the site sheds; default the team's)", numberArg)
    .option('--wait', 'follow the job to its end; exit 0 only if it succeeded')
    .action(
      app.action(async (ctx, cmd) => {
        const opts = cmd.opts<SpecFlags & { wait?: boolean }>();
        const { raw } = loadJobSpec({ ...splitOperands(cmd, ctx.argv), flags: opts });
        const job = await ctx.client().submitJob(JSON.stringify(raw));
        const status = jobStatus(job);
        const line = `submitted job ${job.id}: ${status}`;
        if (!opts.wait) return ctx.print(job, () => line);
        ctx.printItem(job, () => line);
        return followJob(ctx, job.id, status);
      }),
    );
}
