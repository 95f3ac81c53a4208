import type { Command } from 'commander';
import { JOB_STATES, LIST_JOBS_LIMITS, WattpackError, clip, parseDuration, quote } from '@wattpack/common/core';
import type { Job__Output } from '@wattpack/common/proto/Job';
import type { App } from '../context.js';
import { jobsTable } from '../output/jobs.js';

function parseStates(list: string | undefined): string[] {
  const states = (list ?? '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const unknown = states.filter((s) => !(JOB_STATES as readonly string[]).includes(s));
  if (unknown.length) throw new WattpackError('INVALID_ARGUMENT', `--state: unknown state ${clip(unknown.join(', '))}: use ${JOB_STATES.join(', ')}`);
  return states;
}

/** An ISO 8601 date or time: 2025-06-01, 2025-06-01T12:00, 2025-06-01T12:00:00Z, ...+02:00. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Unix ms: a duration ago ("24h", "90m") or an ISO time. Parsed here, not by commander, which would repeat all of it. */
export function parseSince(value: string | undefined, now: number): number {
  if (value === undefined) return 0;
  const ago = parseDuration(value);
  if (ago !== undefined) return now - ago * 1000;
  const at = ISO_TIME.test(value.trim()) ? Date.parse(value.trim()) : NaN;
  if (Number.isNaN(at)) throw new WattpackError('INVALID_ARGUMENT', `--since ${quote(value)}: use a duration ago (24h, 90m) or a time (2025-06-01T12:00:00Z)`);
  return at;
}

function parseCount(flag: string, value: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > max) throw new WattpackError('INVALID_ARGUMENT', `${flag} ${quote(value)}: use a whole number from 1 to ${max}`);
  return n;
}

export function registerJobs(program: Command, app: App): void {
  program
    .command('jobs')
    .description('list jobs, oldest first (every page of them)')
    .option('--state <states>', `only jobs in these states, comma-separated (${JOB_STATES.join(',')})`)
    .option('--mine', 'only my jobs (the owner the scheduler verified from my credential)')
    .option('--team <team>', "only this team's jobs")
    .option('--since <when>', 'only jobs submitted since then: a duration ago (24h, 90m) or a time (2025-06-01T12:00:00Z)')
    .option('--limit <n>', 'at most n jobs (the oldest that match)')
    .option('--tasks', "an array's tasks one row each (by default an array is one row with its tasks counted by state)")
    .option('--page-size <n>', `jobs per request to the scheduler (default ${LIST_JOBS_LIMITS.defaultLimit}, at most ${LIST_JOBS_LIMITS.maxLimit})`)
    .action(
      app.action(async (ctx, cmd) => {
        const opts = cmd.opts<{ mine?: boolean; state?: string; team?: string; since?: string; limit?: string; pageSize?: string; tasks?: boolean }>();
        const filter = { states: parseStates(opts.state), team: opts.team ?? '', mine: opts.mine ?? false, sinceMs: parseSince(opts.since, Date.now()) };
        const limit = parseCount('--limit', opts.limit);
        const pageSize = parseCount('--page-size', opts.pageSize, LIST_JOBS_LIMITS.maxLimit) ?? LIST_JOBS_LIMITS.defaultLimit;
        const jobs: Job__Output[] = [];
        let pageToken = '';
        do {
          const want = Math.min(pageSize, (limit ?? Infinity) - jobs.length);
          const page = await ctx.client().listJobs({ ...filter, limit: want, pageToken });
          jobs.push(...page.jobs.slice(0, want));
          if (page.nextPageToken && page.nextPageToken === pageToken) throw new WattpackError('INTERNAL', 'the scheduler returned the same page token twice');
          pageToken = page.nextPageToken;
        } while (pageToken && (limit === undefined || jobs.length < limit));
        ctx.print(jobs, (wide) => jobsTable(jobs, Date.now(), { wide, tasks: opts.tasks ?? false }));
        if (pageToken) ctx.io.err(`(the first ${jobs.length} jobs: more match; raise --limit, or narrow with --mine, --since, --state, --team)\n`);
      }),
    );
}
