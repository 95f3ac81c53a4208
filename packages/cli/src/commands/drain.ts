import type { Command } from 'commander';
import { parseLabels } from '@wattpack/common';
import type { Node__Output } from '@wattpack/common/proto/Node';
import { durationArg } from '../args.js';
import type { App, Context } from '../context.js';
import { drainsTable, nodesTable } from '../output/nodes.js';

const parseSelector = (text: string | undefined): Record<string, string> => (text ? parseLabels(text) : {});

function printNodes(ctx: Context, nodes: Node__Output[]): void {
  ctx.print(nodes, (wide) => nodesTable(nodes, wide));
}

export function registerDrain(program: Command, app: App): void {
  program
    .command('drain')
    .description('operators: cordon nodes and move their work elsewhere; "drain status" shows every drain')
    .argument('[nodes...]', 'node ids, or "status"')
    .option('--selector <labels>', 'nodes whose labels match, e.g. rack=r12')
    .option('--reason <text>', 'why (required): shown with the node, e.g. "rack r07 converting to GPU"')
    .option('--deadline <duration>', 'stop whatever still runs after this long, e.g. 2h', durationArg)
    .option('--no-migrate', 'let running jobs finish (until the deadline) instead of checkpointing them now')
    .option('--force', 'stop running jobs now, without their checkpoint grace')
    .option('--cancel', 'stop draining; the nodes stay cordoned until uncordoned')
    .action(
      app.action(async (ctx, cmd) => {
        const [nodeIds] = cmd.processedArgs as [string[]];
        const opts = cmd.opts<{ selector?: string; reason?: string; deadline?: number; migrate: boolean; force?: boolean; cancel?: boolean }>();
        const client = ctx.client();
        if (nodeIds.length === 1 && nodeIds[0] === 'status' && !opts.selector) {
          const nodes = (await client.listNodes()).filter((n) => n.drain);
          ctx.print(nodes, (wide) => drainsTable(nodes, wide));
          return;
        }
        const nodes = await client.drainNodes({
          nodes: { nodeIds, labels: parseSelector(opts.selector) },
          reason: opts.reason ?? '',
          deadlineS: opts.deadline ?? 0,
          noMigrate: !opts.migrate,
          force: opts.force ?? false,
          cancel: opts.cancel ?? false,
        });
        printNodes(ctx, nodes);
      }),
    );
  program
    .command('cordon')
    .description('operators: no new jobs on these nodes; running jobs keep running (kubectl cordon; drain also moves them)')
    .argument('[nodes...]', 'node ids')
    .option('--selector <labels>', 'nodes whose labels match, e.g. rack=r12')
    .option('--reason <text>', 'why, shown with the node')
    .action(
      app.action(async (ctx, cmd) => {
        const [nodeIds] = cmd.processedArgs as [string[]];
        const opts = cmd.opts<{ selector?: string; reason?: string }>();
        printNodes(ctx, await ctx.client().cordonNodes({ nodes: { nodeIds, labels: parseSelector(opts.selector) }, reason: opts.reason ?? '' }));
      }),
    );
  program
    .command('uncordon')
    .description('operators: let cordoned or drained nodes take work again')
    .argument('[nodes...]', 'node ids')
    .option('--selector <labels>', 'nodes whose labels match, e.g. rack=r12')
    .action(
      app.action(async (ctx, cmd) => {
        const [nodeIds] = cmd.processedArgs as [string[]];
        const opts = cmd.opts<{ selector?: string }>();
        printNodes(ctx, await ctx.client().uncordonNodes({ nodes: { nodeIds, labels: parseSelector(opts.selector) } }));
      }),
    );
}
