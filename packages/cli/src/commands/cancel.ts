import type { Command } from 'commander';
import type { App } from '../context.js';
import { isEnded, jobStatus } from '../output/jobs.js';

export function registerCancel(program: Command, app: App): void {
  program
    .command('cancel')
    .description('cancel a job (a running one is stopped first)')
    .argument('<id>', 'job id')
    .option('--reason <text>', 'why, shown as the job reason')
    .action(
      app.action(async (ctx, cmd) => {
        const [id] = cmd.processedArgs as [string];
        const job = await ctx.client().cancelJob(id, cmd.opts<{ reason?: string }>().reason ?? '');
        ctx.print(job, () => `${isEnded(job) ? 'cancelled' : 'cancelling'} job ${job.id}: ${jobStatus(job)}`);
      }),
    );
}
