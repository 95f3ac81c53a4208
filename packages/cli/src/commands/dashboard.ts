import type { Command } from 'commander';
import { WattpackError } from '@wattpack/common/core';
import { DEFAULT_SCHEDULER, type App } from '../context.js';
import { resolveConnection } from '../config-file.js';

/** Where docs/observability.md and `wattpack dev` put the dashboard: the scheduler's port + 80 (7780 beside 7700). */
export const DASHBOARD_PORT_OFFSET = 80;

/** The dashboard's host:port: the flag, the environment, or beside the scheduler (its port + 80). */
function dashboardAddress(flag: string | undefined, env: NodeJS.ProcessEnv, scheduler: string): string {
  const given = flag ?? env.WATTPACK_DASHBOARD;
  if (given) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(given)) throw new WattpackError('INVALID_ARGUMENT', `--addr "${given.slice(0, 60)}": use host:port, e.g. sched-a:7780`);
    return given;
  }
  const first = scheduler.replace(/^(ipv4|dns):/, '').split(',')[0]!;
  const colon = first.lastIndexOf(':');
  return `${first.slice(0, colon)}:${Number(first.slice(colon + 1)) + DASHBOARD_PORT_OFFSET}`;
}

export function registerDashboard(program: Command, app: App): void {
  program
    .command('dashboard')
    .description("a link that logs this context's identity in to the site's web dashboard (valid 2 minutes; docs/security.md)")
    .option('--addr <host:port>', `the dashboard (wattpack-scheduler --dashboard-addr; env WATTPACK_DASHBOARD; default the scheduler's host, its port + ${DASHBOARD_PORT_OFFSET})`)
    .action(
      app.action(async (ctx, cmd) => {
        const { address, credentials } = resolveConnection(ctx.io.env, ctx.options, DEFAULT_SCHEDULER);
        const host = dashboardAddress(cmd.opts<{ addr?: string }>().addr, ctx.io.env, address);
        if (credentials.insecure) {
          ctx.print({ url: `http://${host}/` }, () => `http://${host}/  (insecure: no login)`);
          return;
        }
        const url = `https://${host}/login#token=${await (await import('@wattpack/common')).signLoginToken(credentials)}`;
        ctx.print({ url }, () => `Open within 2 minutes (the browser must trust the site CA, docs/security.md):\n${url}`);
      }),
    );
}
