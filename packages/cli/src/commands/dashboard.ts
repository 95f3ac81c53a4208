import type { Command } from 'commander';
import { WattpackError, signLoginToken } from '@wattpack/common';
import { DEFAULT_SCHEDULER, type App } from '../context.js';
import { resolveConnection } from '../config-file.js';

/** The port docs/observability.md gives the dashboard (wattpack-scheduler --dashboard-addr). */
export const DASHBOARD_PORT = 7780;

/** The dashboard's host:port: the flag, the environment, or the scheduler's host at DASHBOARD_PORT. */
function dashboardAddress(flag: string | undefined, env: NodeJS.ProcessEnv, scheduler: string): string {
  const given = flag ?? env.WATTPACK_DASHBOARD;
  if (given) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(given)) throw new WattpackError('INVALID_ARGUMENT', `--addr "${given.slice(0, 60)}": use host:port, e.g. sched-a:${DASHBOARD_PORT}`);
    return given;
  }
  const first = scheduler.replace(/^(ipv4|dns):/, '').split(',')[0]!;
  return `${first.slice(0, first.lastIndexOf(':'))}:${DASHBOARD_PORT}`;
}

export function registerDashboard(program: Command, app: App): void {
  program
    .command('dashboard')
    .description("a link that logs this context's identity in to the site's web dashboard (valid 2 minutes; docs/security.md)")
    .option('--addr <host:port>', `the dashboard (wattpack-scheduler --dashboard-addr; env WATTPACK_DASHBOARD; default the scheduler's host, port ${DASHBOARD_PORT})`)
    .action(
      app.action(async (ctx, cmd) => {
        const { address, credentials } = resolveConnection(ctx.io.env, ctx.options, DEFAULT_SCHEDULER);
        const host = dashboardAddress(cmd.opts<{ addr?: string }>().addr, ctx.io.env, address);
        if (credentials.insecure) {
          ctx.print({ url: `http://${host}/` }, () => `http://${host}/  (insecure: no login)`);
          return;
        }
        const url = `https://${host}/login#token=${await signLoginToken(credentials)}`;
        ctx.print({ url }, () => `Open within 2 minutes (the browser must trust the site CA, docs/security.md):\n${url}`);
      }),
    );
}
