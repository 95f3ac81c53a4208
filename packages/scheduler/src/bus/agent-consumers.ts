import type { JetStreamManager } from 'nats';
import { CONSUMERS, agentConsumersInPlace, ensureAgentConsumer, type Logger } from '@wattpack/common/daemon';

/**
 * Each node's command consumer, made as the node registers (agents may not create it, see
 * trust/nats-auth.ts), which every agent does again with a new leader. Durable consumers
 * outlive the scheduler: the term lists those in place once, beside serving, and a node
 * whose consumer is there registers without a round trip to nats-server: adding one per
 * registration cost a request and work in nats-server for each of the 3,200 nodes that
 * register at once after a restart (docs/benchmarks.md). Commands sent before a consumer
 * exists wait in the stream.
 */
export function agentConsumers(jsm: JetStreamManager, fenced: <T>(write: () => Promise<T>) => Promise<T>, log: Logger): (nodeId: string) => Promise<void> {
  const inPlace = agentConsumersInPlace(jsm).catch((err: unknown) => {
    log.warn({ err: String(err) }, 'listing the agents\' command consumers failed: each is made again as its node registers');
    return new Set<string>();
  });
  return async (nodeId) => {
    const known = await inPlace;
    const name = CONSUMERS.agent(nodeId);
    if (known.has(name)) return;
    await fenced(() => ensureAgentConsumer(jsm, nodeId));
    known.add(name);
  };
}
