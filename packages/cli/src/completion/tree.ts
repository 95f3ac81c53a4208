import type { Command, Option } from 'commander';

export interface CompletionFlag {
  /** "-o" and "--output". */
  names: string[];
  description: string;
  takesValue: boolean;
  /** The values commander accepts (e.g. -o's formats); empty: any. */
  choices: string[];
}

/** One command of the tree: its subcommands (or its first argument's values) and every flag it accepts, the global ones too. */
export interface CompletionCommand {
  /** The words after "wattpack": "" for wattpack itself, "site set-cap". */
  path: string;
  commands: { name: string; description: string }[];
  flags: CompletionFlag[];
}

const flagOf = (o: Option): CompletionFlag => ({
  names: [o.short, o.long].filter((n): n is string => !!n),
  description: o.description,
  takesValue: o.required || o.optional,
  choices: o.argChoices ?? [],
});

/**
 * The command tree as commander's own help sees it (visible commands and options), so
 * completion offers exactly what --help lists and what the parser accepts.
 */
export function completionTree(program: Command): CompletionCommand[] {
  const help = program.createHelp();
  // The program's options work after any subcommand; its --version and --help do not travel.
  const globals = help.visibleOptions(program).filter((o) => o.long !== '--version' && o.long !== '--help');
  const out: CompletionCommand[] = [];
  const walk = (cmd: Command, path: string[]): void => {
    const subcommands = help.visibleCommands(cmd);
    const own = help.visibleOptions(cmd);
    out.push({
      path: path.join(' '),
      // A first argument with fixed values (completion's shell) completes like a subcommand.
      commands: [
        ...subcommands.map((c) => ({ name: c.name(), description: c.summary() || c.description() })),
        ...(cmd.registeredArguments[0]?.argChoices ?? []).map((name) => ({ name, description: cmd.registeredArguments[0]!.description })),
      ],
      flags: (cmd === program ? own : [...own, ...globals]).map(flagOf),
    });
    // commander's implicit "help" command has no tree of its own.
    for (const sub of subcommands) if (sub.name() !== 'help' || sub.commands.length) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return out;
}
