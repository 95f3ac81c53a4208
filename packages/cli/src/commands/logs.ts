import type { Command } from 'commander';
import type { App } from '../context.js';

export function registerLogs(program: Command, app: App): void {
  program
    .command('logs')
    .description("print a job's output (its stderr lines go to stderr)")
    .argument('<id>', 'job id')
    .option('-f, --follow', 'keep printing until the job ends')
    .action(
      app.action(async (ctx, cmd) => {
        const [id] = cmd.processedArgs as [string];
        const client = ctx.client();
        // Asked first: an unknown id fails before streaming, and a gang's lines need their node.
        const job = await client.getJob(id);
        const multiNode = (job.spec?.nodes ?? 1) > 1 || job.assignments.length > 1;
        for await (const line of client.jobLogs(id, cmd.opts<{ follow?: boolean }>().follow ?? false)) {
          const text = multiNode ? `[${line.nodeId}] ${line.line}` : line.line;
          if (!ctx.json && line.stream === 'stderr') ctx.io.err(`${text}\n`);
          else ctx.printItem(line, () => text);
        }
      }),
    );
}
