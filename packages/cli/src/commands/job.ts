import type { Command } from 'commander';
import type { App } from '../context.js';
import { followJob } from '../follow.js';
import { JOB_REF } from '../job-ref.js';
import { WattpackError } from '@wattpack/common/core';
import { historyTable, usageFields } from '../output/accounting.js';
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
        const client = ctx.client();
        // A finished job may have left the job store: its history still knows it (by id).
        const job = await client.getJob(ref).catch((err: unknown) => {
          if (WattpackError.from(err).code === 'NOT_FOUND') return undefined;
          throw err;
        });
        if (cmd.opts<{ watch?: boolean }>().watch) return followJob(ctx, job?.id ?? ref);
        const id = job?.id ?? ref;
        // Another user's job: its details, without its usage (a user reads their own: docs/accounting.md).
        const usage = await client.getJobUsage(id).catch((err: unknown) => {
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
