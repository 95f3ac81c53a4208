import type { Command } from 'commander';
import type { App } from '../context.js';
import { followJob } from '../follow.js';
import { JOB_REF } from '../job-ref.js';
import { jobDetails } from '../output/jobs.js';

export function registerJob(program: Command, app: App): void {
  program
    .command('job')
    .description("show a job's details")
    .argument('<job>', JOB_REF)
    .option('--watch', "stream its state changes until it ends, then exit with the job's exit code (see --help of submit --wait)")
    .action(
      app.action(async (ctx, cmd) => {
        const [ref] = cmd.processedArgs as [string];
        const job = await ctx.client().getJob(ref);
        if (cmd.opts<{ watch?: boolean }>().watch) return followJob(ctx, job.id);
        ctx.print(job, () => jobDetails(job, Date.now()));
      }),
    );
}
