import type { Command } from 'commander';
import { JOB_STATES, WattpackError } from '@wattpack/shared';
import type { App } from '../context.js';
import { jobsTable } from '../output/jobs.js';

function parseStates(list: string | undefined): string[] {
  const states = (list ?? '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const unknown = states.filter((s) => !(JOB_STATES as readonly string[]).includes(s));
  if (unknown.length) throw new WattpackError('INVALID_ARGUMENT', `--state: unknown state ${unknown.join(', ')}: use ${JOB_STATES.join(', ')}`);
  return states;
}

export function registerJobs(program: Command, app: App): void {
  program
    .command('jobs')
    .description('list jobs')
    .option('--state <states>', `only jobs in these states, comma-separated (${JOB_STATES.join(',')})`)
    .option('--team <team>', "only this team's jobs")
    .action(
      app.action(async (ctx, cmd) => {
        const opts = cmd.opts<{ state?: string; team?: string }>();
        const jobs = await ctx.client().listJobs({ states: parseStates(opts.state), team: opts.team ?? '' });
        ctx.print(jobs, () => jobsTable(jobs, Date.now()));
      }),
    );
}
