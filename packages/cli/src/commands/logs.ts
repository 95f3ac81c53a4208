import type { Command } from 'commander';
import type { App } from '../context.js';
import { JOB_REF } from '../job-ref.js';
import { logLineText } from '../output/jobs.js';

export function registerLogs(program: Command, app: App): void {
  program
    .command('logs')
    .description("print a job's output (its stderr lines go to stderr)")
    .argument('<job>', JOB_REF)
    .option('-f, --follow', 'keep printing until the job ends')
    .action(
      app.action(async (ctx, cmd) => {
        const [ref] = cmd.processedArgs as [string];
        const client = ctx.client();
        // Asked first: it finds the job a name or prefix means, an unknown one fails before
        // streaming, and a gang's lines need their node.
        const job = await client.getJob(ref);
        const textOf = logLineText(job);
        for await (const line of client.jobLogs(job.id, cmd.opts<{ follow?: boolean }>().follow ?? false)) {
          const text = textOf(line);
          if (!ctx.structured && line.stream === 'stderr') ctx.io.err(`${text}\n`);
          else ctx.printItem(line, () => text);
        }
      }),
    );
}
