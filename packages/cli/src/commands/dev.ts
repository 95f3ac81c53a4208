import { Option, type Command } from 'commander';
import { once } from 'node:events';
import { durationArg, numberArg, targetArg } from '../args.js';
import type { App, Context } from '../context.js';
import { AGENTS_HELP, DEFAULT_AGENTS, parseAgents } from '../dev/agents.js';
import type { RunningChild } from '../dev/launch.js';
import { devStateDir, devStateFile, ensureNoSite, readDevState, stopSite, type DevState } from '../dev/state.js';
import { renderFields } from '../output/table.js';
import { configPath } from '../config-file.js';
import { METER_BASES, serveDevMeter, type MeterBase } from '../dev/meter.js';
import { startDevVtn, type DevVtnOptions } from '../dev/vtn.js';

interface DevOptions {
  nats?: string;
  port: number;
  agents: string;
  detach?: boolean;
  stateDir?: string;
  site?: string;
  capMw?: number;
  logLevel?: string;
  /** Percent the simulated meter reads above the site's draw (true: 0). */
  meter?: number | true;
  meterBase: MeterBase;
  /** --power-saving: suspendAfter, seconds. */
  powerSaving?: number;
}

function summary(state: DevState, stateDir: string, config: string): string {
  const stop = state.detached ? 'Stop it with: wattpack dev down' : 'Press Ctrl-C to stop it.';
  return [
    `local site is up: ${state.nodes.length} node(s) ready (${state.nodes.join(', ')})`,
    renderFields([
      ['NATS', state.natsUrl],
      ['Scheduler', state.scheduler],
      ...(state.dashboard ? [['Dashboard', `https://${state.dashboard}/ (log in: wattpack dashboard)`] as [string, string]] : []),
      ...(state.metrics?.scheduler ? [['Metrics', `http://${state.metrics.scheduler}/metrics (each agent's: the state file)`] as [string, string]] : []),
      ['Logs', state.logDir],
      ['State', devStateFile(stateDir)],
    ]),
    '',
    `The CLI's current context is now "dev" (an admin of every team; ${config}).`,
    '',
    stop,
  ].join('\n');
}

const untilSignal = (): Promise<void> =>
  new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

const untilAnyExits = (children: RunningChild[]): Promise<RunningChild> =>
  Promise.race(children.map(async (c) => (c.child.exitCode !== null || c.child.signalCode !== null ? c : (await once(c.child, 'exit'), c))));

async function up(ctx: Context, opts: DevOptions): Promise<number> {
  const stateDir = devStateDir(ctx.io.env, opts.stateDir);
  const agents = parseAgents(opts.agents);
  await ensureNoSite(stateDir);
  ctx.io.err(`starting ${opts.nats ? '' : 'nats-server, '}the scheduler and ${agents.length} agent(s); logs in ${stateDir}/logs\n`);
  const { meter: meterOpt, meterBase, powerSaving, ...rest } = opts;
  const meter = meterOpt === undefined ? undefined : { errorFraction: meterOpt === true ? 0 : meterOpt / 100, base: meterBase };
  // The launcher brings the PKI, NATS and gRPC code: loaded only when a site starts.
  const { exitedMessage, launchSite } = await import('../dev/launch.js');
  const { state, children } = await launchSite({ ...rest, stateDir, agents, detached: opts.detach ?? false, env: ctx.io.env, ...(meter ? { meter } : {}), ...(powerSaving !== undefined ? { powerSavingAfterS: powerSaving } : {}) });
  ctx.print(state, () => summary(state, stateDir, configPath(ctx.io.env)));
  if (state.detached) return 0;
  const dead = await Promise.race([untilSignal().then(() => undefined), untilAnyExits(children)]);
  if (dead) ctx.io.err(`error: ${exitedMessage(dead)}\n`);
  ctx.io.err('stopping the local site\n');
  await stopSite(stateDir, state);
  return dead ? 1 : 0;
}

async function down(ctx: Context, opts: { stateDir?: string }): Promise<void> {
  const stateDir = devStateDir(ctx.io.env, opts.stateDir);
  const state = readDevState(stateDir);
  const stopped = state ? await stopSite(stateDir, state) : [];
  const names = stopped.map((p) => p.name);
  ctx.print({ stopped: names }, () => {
    if (!state) return `no dev site is running (no ${devStateFile(stateDir)})`;
    return names.length ? `stopped the local site: ${names.join(', ')}` : 'the local site was not running; removed what it left behind';
  });
}

export function registerDev(program: Command, app: App): void {
  const stateDirHelp = 'where dev.json and logs go (default env WATTPACK_DEV_DIR or ~/.wattpack/dev)';
  const dev = program
    .command('dev')
    .summary('run a whole local site: nats-server, the scheduler and simulated agents')
    .description(
      'Run a whole local site: nats-server with JetStream (from PATH, in a temporary store, unless --nats), ' +
        'the scheduler and simulated agents, each logging to <state-dir>/logs. Waits until every node is ' +
        'READY, then prints the addresses; Ctrl-C stops everything (agents, then the scheduler, then nats-server). ' +
        'With --detach it returns once ready; stop it with "wattpack dev down".',
    )
    .option('--nats <url>', 'use this NATS server (with JetStream) instead of starting one')
    .option('--port <port>', 'scheduler port on 127.0.0.1', numberArg, 7700)
    .option('--agents <spec>', AGENTS_HELP, DEFAULT_AGENTS)
    .option('--site <file>', 'site settings file for the scheduler')
    .option('--cap-mw <MW>', "the site's facility power cap in MW", numberArg)
    .option('--log-level <level>', 'scheduler log level (trace, debug, info, warn, error)')
    .option('--detach', 'leave the site running in the background and return once it is ready')
    .option('--state-dir <dir>', stateDirHelp)
    .option('--meter [percent]', 'a simulated facility meter (Modbus TCP) the scheduler reads, this many percent above the site draw (default 0)', numberArg)
    .option('--power-saving <duration>', "power idle GPU servers off after this long through their simulated BMCs (Redfish), and on again for work; e.g. 30s (site setting powerSaving)", durationArg)
    .addOption(new Option('--meter-base <base>', "what the simulated meter measures: the agents' draw, or the model (GPUs at their limits)").choices(METER_BASES).default('measured'))
    .action(app.action((ctx, cmd) => up(ctx, cmd.opts<DevOptions>())));
  dev
    .command('meter')
    .description('serve a simulated facility meter (Modbus TCP, an Eastron SDM630 map) reading the current context\'s site draw; `wattpack dev --meter` starts one')
    .requiredOption('--listen <host:port>', 'where to serve Modbus TCP')
    .option('--error <percent>', 'how far above the draw it reads', numberArg, 0)
    .option('--noise <percent>', 'Gaussian noise, standard deviation in percent of the draw', numberArg, 0.5)
    .addOption(new Option('--base <base>', "the agents' measured draw, or the model").choices(METER_BASES).default('measured'))
    .action(
      app.action((ctx, cmd) => {
        const o = cmd.opts<{ listen: string; error: number; noise: number; base: MeterBase }>();
        return serveDevMeter(ctx.client(), { listen: o.listen, errorFraction: o.error / 100, noiseFraction: o.noise / 100, base: o.base }, untilSignal());
      }),
    );
  dev
    .command('vtn')
    .description("serve a utility's OpenADR 3 VTN with one import-capacity event, for a site whose settings name it (openadr: { vtnUrl, tokenFile }); prints the reports it gets")
    .requiredOption('--listen <host:port>', 'where to serve the REST API (http)')
    .requiredOption('--token-file <file>', 'the bearer token VENs must present')
    .requiredOption('--limit <power>', 'the import capacity limit, e.g. 12MW or 500kW', targetArg)
    .option('--in <duration>', 'when it starts, from now', durationArg, 0)
    .option('--for <duration>', 'how long it lasts', durationArg, 3600)
    .action(
      app.action(async (ctx, cmd) => {
        const o = cmd.opts<{ listen: string; tokenFile: string; limit: number; in: number; for: number }>();
        const opts: DevVtnOptions = { listen: o.listen, tokenFile: o.tokenFile, limitMw: o.limit, inS: o.in, forS: o.for };
        const vtn = await startDevVtn(opts, (line) => ctx.printItem({ line }, () => line));
        await untilSignal();
        await vtn.close();
      }),
    );
  dev
    .command('down')
    .description('stop the local site started by "wattpack dev"')
    .option('--state-dir <dir>', stateDirHelp)
    .action(app.action((ctx, cmd) => down(ctx, cmd.optsWithGlobals<{ stateDir?: string }>())));
}
