import { WattpackError } from '@wattpack/common';
import type { Context } from './context.js';
import { isEnded, jobStatus } from './output/jobs.js';

/**
 * Prints a job's changes until it ends (`submit --wait`, `job --watch`): one JSON document
 * per update, or a line whenever its status changes. Returns the exit code: 0 only
 * if the job succeeded.
 */
export async function followJob(ctx: Context, id: string, shownStatus?: string): Promise<number> {
  let shown = shownStatus;
  for await (const job of ctx.client().watchJob(id)) {
    const status = jobStatus(job);
    ctx.printItem(job, () => (status === shown ? undefined : `job ${job.id}: ${(shown = status)}`));
    if (isEnded(job)) return job.state === 'SUCCEEDED' ? 0 : 1;
  }
  throw new WattpackError('INTERNAL', `the scheduler stopped streaming job ${id} before it ended`);
}
