import { Option, type Command } from 'commander';
import type { UpdateSiteRequest } from '@wattpack/common/proto/UpdateSiteRequest';
import { WattpackError } from '@wattpack/common/core';
import { durationArg, nonNegativeArg, reduceArg, targetArg, timeArg } from '../args.js';
import type { App, Context } from '../context.js';
import { eventReports, siteFields } from '../output/site.js';

async function show(ctx: Context, change?: UpdateSiteRequest): Promise<void> {
  const client = ctx.client();
  const site = change ? await client.updateSite(change) : await client.getSite();
  ctx.print(site, () => siteFields(site));
}

export function registerSite(program: Command, app: App): void {
  const site = program
    .command('site')
    .description("the site's power: cap, allocated, measured, headroom; and its capacity")
    .action(app.action((ctx) => show(ctx)));
  site
    .command('set-cap')
    .description("change the site's facility power cap now")
    .argument('<MW>', 'the new cap in MW', nonNegativeArg)
    .action(app.action((ctx, cmd) => show(ctx, { capMw: cmd.processedArgs[0] as number })));
  site
    .command('grid-event')
    .description('schedule a lower cap for a window (a grid event): jobs are checkpointed and shed ahead of it')
    .argument('[MW]', 'the cap during the event, in MW (or --target)', nonNegativeArg)
    .option('--target <power>', 'the cap during the event: 12MW, 500kW or MW alone', targetArg)
    .option('--reduce <percent>', 'a cut against the measured baseline now (the meter, else the agents), e.g. 25%', reduceArg)
    .requiredOption('--for <duration>', 'how long it lasts, e.g. 30m, 3h', durationArg)
    .option('--from <time>', 'when it starts: an ISO time such as 2026-07-01T14:00:00Z (default now)', timeArg)
    .addOption(new Option('--in <duration>', 'when it starts, from now; also the notice the scheduler gets').argParser(durationArg))
    .action(app.action((ctx, cmd) => show(ctx, gridEventChange(cmd))));
  site
    .command('events')
    .description('each grid event against the meter: target vs metered power per minute, time to reach the target, jobs slowed')
    .action(
      app.action(async (ctx) => {
        const s = await ctx.client().getSite();
        ctx.print(s.eventReports, () => eventReports(s));
      }),
    );
  site
    .command('clear-grid-events')
    .description('cancel every scheduled grid event')
    .action(app.action((ctx) => show(ctx, { clearGridEvents: true })));
  site
    .command('set-team')
    .description("admins: set a team's guaranteed share of the site (GPUs, facility MW); a share left out is no guarantee of it")
    .argument('<team>', 'the team')
    .option('--gpus <n>', 'guaranteed GPUs', nonNegativeArg)
    .option('--mw <MW>', 'guaranteed facility MW', nonNegativeArg)
    .action(app.action((ctx, cmd) => show(ctx, teamShareChange(cmd))));
  site
    .command('remove-team')
    .description("admins: remove a team's guaranteed share (its jobs split the rest evenly with other teams)")
    .argument('<team>', 'the team')
    .action(app.action((ctx, cmd) => show(ctx, { removeTeams: [(cmd.processedArgs as [string])[0]] })));
}

/** `site grid-event`: one of <MW>, --target or --reduce; --from or --in (the notice). */
function gridEventChange(cmd: Command): UpdateSiteRequest {
  const opts = cmd.opts<{ for: number; in?: number; from?: number; target?: number; reduce?: number }>();
  const positional = cmd.processedArgs[0] as number | undefined;
  const given = [positional !== undefined, opts.target !== undefined, opts.reduce !== undefined].filter(Boolean).length;
  if (given !== 1) throw new WattpackError('INVALID_ARGUMENT', 'grid-event: give exactly one of <MW>, --target or --reduce');
  if (opts.in !== undefined && opts.from !== undefined) throw new WattpackError('INVALID_ARGUMENT', 'grid-event: give --from or --in, not both');
  const now = Date.now();
  const startMs = opts.from ?? now + (opts.in ?? 0) * 1000;
  if (startMs + opts.for * 1000 <= now) throw new WattpackError('INVALID_ARGUMENT', `--from: the event would have ended at ${new Date(startMs + opts.for * 1000).toISOString()}, before now`);
  const noticeS = Math.max(0, Math.round((startMs - now) / 1000));
  const cap = opts.reduce !== undefined ? { capMw: 0, reduceFraction: opts.reduce } : { capMw: positional ?? opts.target! };
  return { addGridEvents: [{ startMs, durationS: opts.for, noticeS, ...cap }] };
}

/** `site set-team`: the shares given; a whole number of GPUs. */
function teamShareChange(cmd: Command): UpdateSiteRequest {
  const [team] = cmd.processedArgs as [string];
  const o = cmd.opts<{ gpus?: number; mw?: number }>();
  if (o.gpus !== undefined && !Number.isInteger(o.gpus)) throw new WattpackError('INVALID_ARGUMENT', '--gpus: a whole number');
  return { setTeams: { [team]: { ...(o.gpus !== undefined ? { gpus: o.gpus } : {}), ...(o.mw !== undefined ? { mw: o.mw } : {}) } } };
}
