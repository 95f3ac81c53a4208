import type { Command } from 'commander';
import { parseLabels } from '@wattpack/common/core';
import type { Node__Output } from '@wattpack/common/proto/Node';
import type { NodeSelector } from '@wattpack/common/proto/NodeSelector';
import { durationArg } from '../args.js';
import type { App, Context } from '../context.js';
import { drainsTable, nodesTable } from '../output/nodes.js';

/** A command on nodes: named, or chosen by their labels. */
const onNodes = (program: Command, name: string, description: string, nodes = 'node ids') =>
  program.command(name).description(description).argument('[nodes...]', nodes).option('--selector <labels>', 'nodes whose labels match, e.g. rack=r12');

function selected(cmd: Command): NodeSelector {
  const [nodeIds] = cmd.processedArgs as [string[]];
  const { selector } = cmd.opts<{ selector?: string }>();
  return { nodeIds, labels: selector ? parseLabels(selector) : {} };
}

function printNodes(ctx: Context, nodes: Node__Output[]): void {
  ctx.print(nodes, (wide) => nodesTable(nodes, wide));
}

export function registerDrain(program: Command, app: App): void {
  onNodes(program, 'drain', 'operators: cordon nodes and move their work elsewhere; "drain status" shows every drain', 'node ids, or "status"')
    .option('--reason <text>', 'why (required): shown with the node, e.g. "rack r07 converting to GPU"')
    .option('--deadline <duration>', 'stop whatever still runs after this long, e.g. 2h', durationArg)
    .option('--no-migrate', 'let running jobs finish (until the deadline) instead of checkpointing them now')
    .option('--force', 'stop running jobs now, without their checkpoint grace')
    .option('--cancel', 'stop draining; the nodes stay cordoned until uncordoned')
    .action(
      app.action(async (ctx, cmd) => {
        const nodes = selected(cmd);
        const opts = cmd.opts<{ reason?: string; deadline?: number; migrate: boolean; force?: boolean; cancel?: boolean }>();
        const client = ctx.client();
        if (nodes.nodeIds?.length === 1 && nodes.nodeIds[0] === 'status' && Object.keys(nodes.labels ?? {}).length === 0) {
          const drains = (await client.listNodes()).filter((n) => n.drain);
          ctx.print(drains, (wide) => drainsTable(drains, wide));
          return;
        }
        const drained = await client.drainNodes({
          nodes,
          reason: opts.reason ?? '',
          deadlineS: opts.deadline ?? 0,
          noMigrate: !opts.migrate,
          force: opts.force ?? false,
          cancel: opts.cancel ?? false,
        });
        printNodes(ctx, drained);
      }),
    );
  onNodes(program, 'cordon', 'operators: no new jobs on these nodes; running jobs keep running (kubectl cordon; drain also moves them)')
    .option('--reason <text>', 'why, shown with the node')
    .action(
      app.action(async (ctx, cmd) => {
        const reason = cmd.opts<{ reason?: string }>().reason ?? '';
        printNodes(ctx, await ctx.client().cordonNodes({ nodes: selected(cmd), reason }));
      }),
    );
  onNodes(program, 'uncordon', 'operators: let cordoned or drained nodes take work again').action(
    app.action(async (ctx, cmd) => printNodes(ctx, await ctx.client().uncordonNodes({ nodes: selected(cmd) }))),
  );
}
