import { InvalidArgumentError, Option, type Command } from 'commander';
import { ATTEMPT_ENDS, parseDuration } from '@wattpack/common/core';
import type { UsageRecord__Output } from '@wattpack/common/proto/UsageRecord';
import { collect, numberArg } from '../args.js';
import type { App } from '../context.js';
import { historyCsv, historyTable, sharesTable, usageCsv, usageTable } from '../output/accounting.js';

/** An instant: a duration ago ("30d", "2h") or a date ("2026-11-01", "2026-11-01T12:00Z"). */
export function instantArg(value: string, now = Date.now()): number {
  const ago = parseDuration(value);
  if (ago !== undefined) return now - ago * 1000;
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new InvalidArgumentError('use a duration ago (30m, 24h, 7d) or a date (2026-11-01, 2026-11-01T12:00Z).');
  return at;
}

const GROUPS = ['team', 'user', 'day'];

function groupsArg(value: string): string[] {
  const groups = value.split(',').map((g) => g.trim().toLowerCase()).filter(Boolean);
  const bad = groups.find((g) => !GROUPS.includes(g));
  if (bad !== undefined) throw new InvalidArgumentError(`"${bad}": group by ${GROUPS.join(', ')} (comma-separated).`);
  return groups;
}

function statesArg(value: string, previous: string[] = []): string[] {
  const states = value.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const bad = states.find((s) => !(ATTEMPT_ENDS as readonly string[]).includes(s));
  if (bad !== undefined) throw new InvalidArgumentError(`"${bad}": use ${ATTEMPT_ENDS.join(', ')}.`);
  return [...previous, ...states];
}

/** Pages a listing asks for at once, and the most records one command prints unless told. */
const PAGE = 500;

export function registerHistory(program: Command, app: App): void {
  program
    .command('history')
    .description('ended attempts and what they used (like sacct): GPU-hours, energy measured from draw, cost. Users see their own; operators and admins anyone\'s')
    .option('--user <name>', 'only this user\'s jobs')
    .option('--team <team>', "only this team's jobs")
    .addOption(new Option('--state <states>', `only attempts that ended so: ${ATTEMPT_ENDS.join(', ')} (comma-separated, repeatable)`).argParser(statesArg))
    .addOption(new Option('--since <when>', 'attempts running since: a duration ago (7d) or a date').argParser((v) => instantArg(v)).default(undefined, '24h ago'))
    .addOption(new Option('--until <when>', 'attempts that started before: a duration ago or a date').argParser((v) => instantArg(v)))
    .option('--node <id>', 'only attempts that ran on this node')
    .option('--job <id>', 'only this job (every attempt, whenever)')
    .addOption(new Option('--limit <n>', 'print at most this many').argParser(numberArg).default(1000))
    .action(
      app.action(async (ctx, cmd) => {
        const o = cmd.opts<{ user?: string; team?: string; state?: string[]; since?: number; until?: number; node?: string; job?: string; limit: number }>();
        const records: UsageRecord__Output[] = [];
        let pageToken = '';
        do {
          const page = await ctx.client().listHistory({
            user: o.user ?? '',
            team: o.team ?? '',
            states: o.state ?? [],
            sinceMs: o.since ?? 0,
            untilMs: o.until ?? 0,
            node: o.node ?? '',
            jobId: o.job ?? '',
            limit: Math.min(PAGE, Math.max(1, o.limit - records.length)),
            pageToken,
          });
          records.push(...page.records);
          pageToken = page.nextPageToken;
        } while (pageToken && records.length < o.limit);
        ctx.printListing(records, { table: () => historyTable(records, false), wide: () => historyTable(records, true), csv: () => historyCsv(records) });
      }),
    );
}

export function registerUsage(program: Command, app: App): void {
  program
    .command('usage')
    .description('usage totals (like sreport): GPU-hours, MWh and cost per team, user or day, of attempts that ended in the window')
    .addOption(new Option('--since <when>', 'from: a duration ago (30d) or a date').argParser((v) => instantArg(v)).default(undefined, '30d ago'))
    .addOption(new Option('--until <when>', 'to: a duration ago or a date').argParser((v) => instantArg(v)).default(undefined, 'now'))
    .addOption(new Option('--by <groups>', 'group by team, user, day (comma-separated)').argParser(groupsArg).default(['team'], 'team'))
    .option('--user <name>', "only this user's usage")
    .option('--team <team>', "only this team's usage")
    .action(
      app.action(async (ctx, cmd) => {
        const o = cmd.opts<{ since?: number; until?: number; by: string[]; user?: string; team?: string }>();
        const res = await ctx.client().getUsage({ groupBy: o.by, sinceMs: o.since ?? 0, untilMs: o.until ?? 0, user: o.user ?? '', team: o.team ?? '' });
        const table = () => usageTable(res.rows, o.by, res.currency);
        ctx.printListing(res, { table, wide: table, csv: () => usageCsv(res.rows, o.by, res.currency) });
      }),
    );
}

export function registerShares(program: Command, app: App): void {
  program
    .command('shares')
    .description("fair share (like sshare): each team with work, its share, its decayed past usage and the priority factor the scheduler gives it")
    .action(
      app.action(async (ctx) => {
        const res = await ctx.client().listShares();
        ctx.print(res, () => sharesTable(res));
      }),
    );
}
