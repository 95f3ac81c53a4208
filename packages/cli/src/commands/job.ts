import type { Command } from 'commander';
import { WattpackError } from '@wattpack/common';
import type { App } from '../context.js';
import { followJob } from '../follow.js';
import { historyTable, usageFields } from '../output/accounting.js';
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
        const client = ctx.client();
        // A finished job may have left the job store: its history still knows it.
        const job = await client.getJob(id).catch((err: unknown) => {
          if (WattpackError.from(err).code === 'NOT_FOUND') return undefined;
          throw err;
        });
        // Another user's job: its details, without its usage (a user reads their own: docs/accounting.md).
        const usage = await client.getJobUsage(job?.id ?? id).catch((err: unknown) => {
          if (job && WattpackError.from(err).code === 'PERMISSION_DENIED') return { attempts: [], running: null };
          throw err;
        });
        if (!job) {
          ctx.print(usage, () => `${historyTable(usage.attempts, true)}\n(job ${id} has left the job store: its history is above)`);
          return;
        }
        ctx.print({ ...job, usage }, () => `${jobDetails(job, Date.now())}\n${usageFields(usage.attempts, usage.running)}`);
      }),
    );
}
