import type { Command } from 'commander';
import type { App } from '../context.js';
import { followJob } from '../follow.js';
import { jobDetails } from '../output/jobs.js';

export function registerJob(program: Command, app: App): void {
  program
    .command('job')
    .description("show a job's details")
    .argument('<id>', 'job id')
    .option('--watch', 'stream its state changes until it ends; exit 0 only if it succeeded')
    .action(
      app.action(async (ctx, cmd) => {
        const [id] = cmd.processedArgs as [string];
        if (cmd.opts<{ watch?: boolean }>().watch) return followJob(ctx, id);
        const job = await ctx.client().getJob(id);
        ctx.print(job, () => jobDetails(job, Date.now()));
      }),
    );
}
