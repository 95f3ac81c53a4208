import type { Command } from 'commander';
import type { App } from '../context.js';
import { nodesTable } from '../output/nodes.js';

export function registerNodes(program: Command, app: App): void {
  program
    .command('nodes')
    .description('list nodes: state (idle~ off, idle# booting, idle% powering off), GPUs, power allocated and measured, miners')
    .action(
      app.action(async (ctx) => {
        const nodes = await ctx.client().listNodes();
        ctx.print(nodes, (wide) => nodesTable(nodes, wide));
      }),
    );
  // Slurm's `scontrol update nodename=X state=power_down|power_up`.
  const node = program.command('node').description('operators: power an idle server off or on through its BMC (site setting powerSaving)');
  for (const [action, description] of [
    ['suspend', 'power an idle server off (its BMC shuts it down gracefully); refused while jobs run there'],
    ['resume', 'power a server on; it takes work once its agent is back'],
  ] as const) {
    node
      .command(action)
      .description(description)
      .argument('<node>', 'node id')
      .action(
        app.action(async (ctx, cmd) => {
          const [nodeId] = cmd.processedArgs as [string];
          const nodes = await ctx.client().setNodePower(nodeId, action);
          ctx.print(nodes, (wide) => nodesTable(nodes, wide));
        }),
      );
  }
}
