import type { Command } from 'commander';
import type { App } from '../context.js';
import { nodesTable } from '../output/nodes.js';

export function registerNodes(program: Command, app: App): void {
  program
    .command('nodes')
    .description('list nodes: GPUs, power allocated and measured, miners')
    .action(
      app.action(async (ctx) => {
        const nodes = await ctx.client().listNodes();
        ctx.print(nodes, (wide) => nodesTable(nodes, wide));
      }),
    );
}
