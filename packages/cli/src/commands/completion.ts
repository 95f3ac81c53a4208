import { Argument, type Command } from 'commander';
import type { App } from '../context.js';
import { bashCompletion } from '../completion/bash.js';
import { zshCompletion } from '../completion/zsh.js';
import { completionTree } from '../completion/tree.js';

const SHELLS = { bash: bashCompletion, zsh: zshCompletion };

export function registerCompletion(program: Command, app: App): void {
  program
    .command('completion')
    .description('print a shell completion script for wattpack\'s commands and flags: source <(wattpack completion bash)')
    .addArgument(new Argument('<shell>', 'the shell').choices(Object.keys(SHELLS)))
    .action(
      app.action(async (ctx, cmd) => {
        const [shell] = cmd.processedArgs as [keyof typeof SHELLS];
        ctx.io.out(SHELLS[shell](completionTree(program)));
      }),
    );
}
