import { createLogger, WattpackError } from '@wattpack/shared';
import { startAgent, type AgentHandle } from './agent.js';
import { parseCommandLine } from './cli.js';

const cmd = parseCommandLine(process.argv.slice(2));
if ('exitCode' in cmd) process.exit(cmd.exitCode);

const logger = createLogger('wattpack-agent', cmd.logLevel);
let agent: AgentHandle | undefined;
let stopping = false;

async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) {
    logger.warn({ signal }, 'already stopping: waiting for running attempts to exit');
    return;
  }
  stopping = true;
  logger.info({ signal }, 'shutting down');
  // No handle yet: still waiting for NATS, nothing runs.
  await agent?.stop();
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

try {
  agent = await startAgent({ ...cmd.run, logger });
} catch (err) {
  const e = WattpackError.from(err);
  process.stderr.write(`wattpack-agent: ${e.message}\n`);
  process.exit(e.code === 'INVALID_ARGUMENT' ? 2 : 1);
}
