import type { Command } from 'commander';
import { WattpackError, exitCodeOf } from '@wattpack/common/core';
import type { Job__Output } from '@wattpack/common/proto/Job';
import type { App } from '../context.js';
import { JOB_REF } from '../job-ref.js';
import { isEnded, jobStatus } from '../output/jobs.js';

export function registerCancel(program: Command, app: App): void {
  program
    .command('cancel')
    .description('cancel jobs (a running one is stopped first); each is cancelled on its own, like scancel and kubectl delete')
    .argument('<jobs...>', JOB_REF)
    .option('--reason <text>', 'why, shown as the job reason')
    .action(
      app.action(async (ctx, cmd) => {
        const [refs] = cmd.processedArgs as [string[]];
        const reason = cmd.opts<{ reason?: string }>().reason ?? '';
        const client = ctx.client();
        const cancelled = new Map<string, Job__Output>();
        let exitCode = 0;
        for (const ref of new Set(refs)) {
          try {
            // An id (or an array's id: all its tasks) is cancelled as it is; a name or a
            // prefix is resolved by the scheduler first, and the cancel names the one job found.
            const job = await client.cancelJob(ref, reason).catch(async (err: unknown) => {
              if (WattpackError.from(err).code !== 'NOT_FOUND') throw err;
              const { id } = await client.getJob(ref);
              return cancelled.get(id) ?? client.cancelJob(id, reason);
            });
            if (cancelled.has(job.id)) continue;
            cancelled.set(job.id, job);
            if (!ctx.structured) ctx.io.out(`${isEnded(job) ? 'cancelled' : 'cancelling'} job ${job.id}: ${jobStatus(job)}\n`);
          } catch (err) {
            const e = WattpackError.from(err);
            ctx.io.err(`error: ${refs.length > 1 ? `${ref}: ` : ''}${e.message}\n`);
            exitCode ||= exitCodeOf(e.code);
          }
        }
        // One job: its object, as before; several: a list of those cancelled.
        if (ctx.structured && cancelled.size > 0) ctx.print(refs.length === 1 ? [...cancelled.values()][0] : [...cancelled.values()], () => '');
        return exitCode;
      }),
    );
}
