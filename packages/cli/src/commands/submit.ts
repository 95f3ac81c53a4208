import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { Backoff, WattpackError, parseArraySpec } from '@wattpack/common/core';
import { collect, durationArg, numberArg } from '../args.js';
import type { App, Context } from '../context.js';
import type { Job__Output } from '@wattpack/common/proto/Job';
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

/**
 * A scheduler failing over (a standby takes over within its lease, 3 s by default) answers
 * UNAVAILABLE for a moment; the request id makes retrying safe, since a submission whose reply
 * was lost returns its job instead of making a second one. Like sbatch, retry for a while.
 */
const SUBMIT_RETRY_S = 10;

async function submitWithRetry(ctx: Context, request: { specJson: string; array: string }, retryForS: number): Promise<Job__Output> {
  const requestId = randomUUID();
  const backoff = new Backoff(250, 4000);
  const giveUpAt = Date.now() + retryForS * 1000;
  for (let tries = 1; ; tries++) {
    try {
      return await ctx.client().submitJob({ ...request, requestId });
    } catch (err) {
      const e = WattpackError.from(err);
      if (e.code !== 'UNAVAILABLE' || Date.now() >= giveUpAt) throw e;
      if (tries === 1) ctx.io.err(`the scheduler did not answer; retrying for up to ${retryForS} s (request ${requestId})\n`);
      await backoff.wait();
    }
  }
}

export function registerSubmit(program: Command, app: App): void {
  program
    .command('submit')
    .summary('submit a job from a YAML file, flags, or both')
    .description(
      'Submit a job. The file has the job spec keys (name, team, command, args, env, image, gpus, nodes, ' +
        'gpuModels, priority, maxRuntime, power, checkpoint, preemptible, flex, workdir, output, error, mounts, afterOk, afterAny); flags override them, and everything after -- ' +
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
    .option('--workdir <dir>', 'working directory on the node (relative: to here); default: a scratch directory per attempt')
    .option('--output-file <file>', "also write stdout to this file on each node (%j: job id, %t: node rank; spec field output; -o is the CLI's format)")
    .option('--error-file <file>', 'also write stderr to this file on each node (%j, %t as for --output-file; spec field error)')
    .option('--export <NAME,...>', "copy these variables of your environment into the job's (nothing is copied otherwise)")
    .option('--after-ok <id,...>', 'start only after these jobs succeeded; if one fails, this job ends (sbatch --dependency=afterok)')
    .option('--after-any <id,...>', 'start only after these jobs ended, however (sbatch --dependency=afterany)')
    .option('--preemptible', 'may be checkpointed and requeued for other work or a cap drop (the default)')
    .option('--no-preemptible', 'must not be preempted')
    .option('--array <indices>', "a job array, as sbatch --array: 0-1999, 1,3,5-9, 0-99:10, with %N for at most N tasks at once (0-1999%50); each task gets WATTPACK_ARRAY_JOB_ID and WATTPACK_ARRAY_INDEX")
    .option('--flex <percent>', "flexibility class: 0, 10, 25 or 50 (% slowdown tolerated when the site sheds; default the team's)", numberArg)
    .option('--wait', "follow the job to its end; then show a failed job's last stderr lines and exit with its exit code, like srun")
    .option('--retry-for <duration>', `retry while the scheduler is unavailable (a failover), without making the job twice; 0: once`, durationArg, SUBMIT_RETRY_S)
    .action(
      app.action(async (ctx, cmd) => {
        const { wait, retryFor, array, ...flags } = cmd.opts<SpecFlags & { wait?: boolean; retryFor: number; array?: string }>();
        // Checked here too, so a typo is a usage error before anything is sent.
        const tasks = array === undefined ? undefined : parseArraySpec(array).indices.length;
        if (tasks !== undefined && wait) throw new WattpackError('INVALID_ARGUMENT', '--wait follows one job: leave it out with --array and follow the tasks with "wattpack jobs"');
        const { raw } = loadJobSpec({ ...splitOperands(cmd, ctx.argv), flags });
        const job = await submitWithRetry(ctx, { specJson: JSON.stringify(raw), array: array ?? '' }, retryFor);
        const status = jobStatus(job);
        const line = job.arrayJobId ? `submitted array ${job.arrayJobId} (${tasks} tasks): ${status}` : `submitted job ${job.id}: ${status}`;
        if (!wait) return ctx.print(job, () => line);
        ctx.printItem(job, () => line);
        return followJob(ctx, job.id, status);
      }),
    );
}
