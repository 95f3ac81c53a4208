import { Command, Option } from 'commander';
import { POLICY_NAMES } from '@wattpack/scheduler/core';
import type { SimFlags } from './index.js';
import { TIME_FORMATS } from './traces/index.js';

/** The options of `wattpack sim`, for any commander command (the CLI's verb, or this runner). */
export function addSimOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--trace <name|path>', 'philly, openb, openb-gpuspec33, or a CSV file')
    .requiredOption('--site <path|name>', 'site YAML (e.g. sites/philly-slice.yaml, or just philly-slice)')
    .addOption(new Option('--policy <name>', 'scheduling policy').choices([...POLICY_NAMES]).default('wattpack'))
    .option('--load-scale <k>', 'arrivals k times as dense (inter-arrival times / k)')
    .option('--until <T>', 'stop at virtual time T (seconds, or e.g. 7d, 12h)')
    .option('--cycle-s <s>', 'seconds between scheduling passes (default 30)')
    .option('--queue-depth <n>', 'most queued jobs a pass considers, plus 16 per team (default 500; 0: all)')
    .option('--json', 'print the result as one JSON object')
    .option('--out <dir>', 'write result.json, series.csv and chart.svg there')
    .option('--submit-col <name>', 'CSV trace: submit time column', 'submit')
    .option('--duration-col <name>', 'CSV trace: duration column (seconds, or e.g. 2h)', 'duration')
    .option('--gpus-col <name>', 'CSV trace: GPU count column', 'gpus')
    .option('--team-col <name>', 'CSV trace: team column (optional)')
    .addOption(new Option('--time-format <fmt>', 'CSV trace: submit time as seconds, milliseconds or a date-time').choices([...TIME_FORMATS]).default('s'));
}

/** `node packages/sim/dist/main.js --trace philly --site philly-slice --policy wattpack --json` */
export async function main(argv: string[]): Promise<number> {
  const cmd = addSimOptions(new Command('wattpack-sim').description('Replay a GPU job trace on a simulated power-capped site.')).exitOverride();
  try {
    cmd.parse(argv, { from: 'user' });
  } catch {
    return 2;
  }
  // The engine and the charts load once the options parsed: the CLI registers these options at every start.
  const { simCommand } = await import('./index.js');
  return simCommand(cmd.opts<SimFlags>());
}
