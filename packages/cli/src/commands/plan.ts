import type { Command } from 'commander';
import type { App } from '../context.js';
import { planText } from '../output/plan.js';

export function registerPlan(program: Command, app: App): void {
  program
    .command('plan')
    .description("operators: what the next scheduling pass would do, checked as its commit would be (a dry run: nothing changes)")
    .action(
      app.action(async (ctx) => {
        const preview = await ctx.client().planNext();
        ctx.print(preview, () => planText(preview));
      }),
    );
}
