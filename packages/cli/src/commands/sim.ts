import type { Command } from 'commander';
import { addSimOptions } from '@wattpack/sim/cli';
import type { simCommand } from '@wattpack/sim';
import type { App } from '../context.js';

/** `wattpack sim`: a trace through the same packing core, on a simulated site, with a virtual clock. */
export function registerSim(program: Command, app: App): void {
  addSimOptions(program.command('sim').description('replay a GPU job trace on a simulated power-capped site (fifo, backfill or wattpack)')).action(
    app.action(async (ctx, cmd) => {
      // -o json works like --json here too.
      const flags = cmd.opts<Parameters<typeof simCommand>[0]>();
      // The simulator and its charts load only for this command.
      return (await import('@wattpack/sim')).simCommand({ ...flags, json: flags.json || ctx.options.output === 'json' }, ctx.io);
    }),
  );
}
