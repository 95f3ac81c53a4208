import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { WattpackError, type Logger } from '@wattpack/common/daemon';
import { startAgent, type AgentHandle } from './agent.js';
import type { AgentOptions } from './options.js';

/** Agents started at once: each opens a NATS connection and a TLS stream. */
const STARTING_AT_ONCE = 16;

/**
 * The nodes of a fleet folder: each subfolder that holds a node's credentials (as
 * `wattpack admin issue node` writes them, or links to them), in name order.
 */
export function fleetMembers(dir: string): string[] {
  const entries = existsSync(dir) ? readdirSync(dir).sort() : [];
  const members = entries.map((name) => join(dir, name)).filter((path) => existsSync(join(path, 'cert.pem')));
  if (members.length === 0) throw new WattpackError('INVALID_ARGUMENT', `--fleet ${dir}: no node credentials in it (one folder per node, each with cert.pem, key.pem, ca.pem)`);
  return members;
}

/**
 * Hollow nodes (kubemark's idea): every node of the fleet folder as a full agent in this
 * process, with its own identity, NATS connection and command consumer, gRPC stream and
 * reports at the normal interval, on simulated hardware. A whole site's fleet then runs
 * against a real scheduler and nats-server on one machine. If one fails to start, the
 * started ones stop and the error names the node.
 */
export async function startFleet(options: AgentOptions & { logger: Logger }, dir: string): Promise<AgentHandle[]> {
  if (!options.simulate) throw new WattpackError('INVALID_ARGUMENT', '--fleet runs simulated nodes: give --simulate <profile>');
  const members = fleetMembers(dir);
  const started: AgentHandle[] = [];
  let next = 0;
  const starter = async () => {
    while (next < members.length) {
      const credentials = members[next++]!;
      try {
        started.push(await startAgent({ ...options, credentials }));
      } catch (err) {
        const e = WattpackError.from(err);
        throw new WattpackError(e.code, `fleet node ${credentials}: ${e.message}`, { cause: err });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(STARTING_AT_ONCE, members.length) }, starter));
  } catch (err) {
    next = members.length;
    await Promise.all(started.map((a) => a.stop()));
    throw err;
  }
  options.logger.info({ nodes: started.length, profile: options.simulate }, 'fleet started');
  return started;
}
