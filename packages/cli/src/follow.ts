import { WattpackError } from '@wattpack/common/core';
import type { Job__Output } from '@wattpack/common/proto/Job';
import type { Context } from './context.js';
import { isEnded, jobStatus, logLineText } from './output/jobs.js';

/** How many of a failed job's last stderr lines `submit --wait` shows: a traceback's worth. */
export const STDERR_TAIL_LINES = 20;

/**
 * The exit code of `submit --wait` and `job --watch`, as srun's: the job's own. A job that
 * failed without one (it never started, or its node was lost) exits 1; a cancelled job
 * 143, as a shell reports a command stopped by SIGTERM. Documented in docs/cli.md.
 */
export function exitCodeOfJob(job: Job__Output): number {
  if (job.state === 'SUCCEEDED') return 0;
  if (job.state === 'CANCELLED') return 143;
  const code = job.exitCode ?? 0;
  return code > 0 && code < 256 ? code : 1;
}

/**
 * Prints a job's changes until it ends (`submit --wait`, `job --watch`): one document per
 * update, or a line whenever its status changes. A job that did not succeed ends with its
 * last stderr lines (on stderr). Returns the job's exit code (exitCodeOfJob).
 */
export async function followJob(ctx: Context, id: string, shownStatus?: string): Promise<number> {
  let shown = shownStatus;
  let shownRunning = false;
  for await (const job of ctx.client().watchJob(id)) {
    const status = jobStatus(job);
    // A job that starts and ends between two updates still ran: its line says so, as
    // srun's would, though the stream's documents (JSON, YAML) hold only what was sent.
    if (isEnded(job) && shown !== undefined && !shownRunning && Number(job.startedAtMs) > 0 && !ctx.structured) {
      ctx.io.out(`job ${job.id}: ${jobStatus({ ...job, state: 'RUNNING', reason: '', preempting: '', exitCode: undefined })}\n`);
    }
    ctx.printItem(job, () => (status === shown ? undefined : `job ${job.id}: ${(shown = status)}`));
    shownRunning ||= job.state === 'RUNNING';
    if (!isEnded(job)) continue;
    if (job.state !== 'SUCCEEDED') await printStderrTail(ctx, job);
    return exitCodeOfJob(job);
  }
  throw new WattpackError('INTERNAL', `the scheduler stopped streaming job ${id} before it ended`);
}

/** The last stderr lines the scheduler kept of the job (every attempt's), what a person reads first. */
async function printStderrTail(ctx: Context, job: Job__Output): Promise<void> {
  const tail: string[] = [];
  const textOf = logLineText(job);
  try {
    for await (const line of ctx.client().jobLogs(job.id, false)) {
      if (line.stream !== 'stderr') continue;
      tail.push(textOf(line));
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
    }
  } catch (err) {
    // The job's end is the answer; its output is a help, not worth losing the exit code over.
    ctx.io.err(`(its output could not be read: ${WattpackError.from(err).message})\n`);
    return;
  }
  if (tail.length === 0) return;
  ctx.io.err(`last ${tail.length} stderr line(s) of job ${job.id} (all of it: wattpack logs ${job.id}):\n${tail.map((l) => `  ${l}\n`).join('')}`);
}
