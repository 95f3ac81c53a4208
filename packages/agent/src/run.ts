import { writeFileSync } from 'node:fs';
import { createLogger, WattpackError } from '@wattpack/common/daemon';
import { stringify } from 'yaml';
import { startAgent, type AgentHandle } from './agent.js';
import { parseCommandLine, type MinerSimOptions } from './cli.js';
import { startFleet } from './fleet.js';
import { startMiners } from './collectors/asic/simulator.js';
import type { AgentOptions } from './options.js';
import { runProbe } from './probe.js';

const stdio = { out: (t: string) => void process.stdout.write(t), err: (t: string) => void process.stderr.write(t) };

void main();

async function main(): Promise<void> {
  const cmd = parseCommandLine(process.argv.slice(2));
  if ('exitCode' in cmd) process.exit(cmd.exitCode);
  if ('probe' in cmd) process.exit(await runProbe(cmd.probe, cmd.json, stdio));
  if ('simulateMiners' in cmd) await simulateMiners(cmd.simulateMiners);
  else await runAgent(cmd.run, cmd.logLevel, cmd.fleet);
}

async function runAgent(options: AgentOptions, logLevel: string, fleet?: string): Promise<void> {
  const logger = createLogger('wattpack-agent', logLevel);
  let agents: AgentHandle[] = [];
  let stopping = false;

  async function shutdown(signal: NodeJS.Signals): Promise<void> {
    if (stopping) {
      logger.warn({ signal }, 'already stopping: waiting for running attempts to exit');
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // No handle yet: still waiting for NATS, nothing runs.
    await Promise.all(agents.map((a) => a.stop()));
    process.exit(0);
  }

  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

  try {
    agents = fleet ? await startFleet({ ...options, logger }, fleet) : [await startAgent({ ...options, logger })];
  } catch (err) {
    const e = WattpackError.from(err);
    process.stderr.write(`wattpack-agent: ${e.message}\n`);
    process.exit(e.code === 'INVALID_ARGUMENT' ? 2 : 1);
  }
}

/** Runs simulated miners until SIGINT or SIGTERM; prints (and maybe writes) their miners file. */
async function simulateMiners(o: MinerSimOptions): Promise<void> {
  const miners = await startMiners(o.count, o.kinds, { transitionMs: o.transitionMs });
  const file = stringify(miners.map((m) => m.configEntry()));
  if (o.write) writeFileSync(o.write, file);
  process.stdout.write(file);
  const stop = async () => {
    await Promise.all(miners.map((m) => m.stop()));
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}
