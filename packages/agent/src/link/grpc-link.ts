import * as grpc from '@grpc/grpc-js';
import { Backoff, GRPC_LIMITS, grpcChannelCredentials, loadProto, type Credentials, type Logger, type NodeInventory, type NodeReport } from '@wattpack/common/daemon';
import type { AgentMessage } from '@wattpack/common/proto/AgentMessage';
import type { NodeServiceClient } from '@wattpack/common/proto/NodeService';
import type { SchedulerMessage__Output } from '@wattpack/common/proto/SchedulerMessage';

/**
 * A scheduler that neither accepts nor rejects a registration this long is treated as down.
 * Long on purpose: a dead or frozen scheduler is noticed sooner by the keepalive (below); one
 * that is alive but slow is busy registering a whole fleet after a restart, and giving up
 * only adds another registration to its queue. At 10 s, 3,200 agents that came back together
 * retried before their first answer, again and again: congestion collapse (docs/benchmarks.md).
 */
const REGISTER_TIMEOUT_MS = 60_000;

export type SchedulerLinkState = 'connecting' | 'registered' | 'rejected';

export interface GrpcLinkOptions {
  /** host:port of the scheduler's NodeService. */
  address: string;
  nodeId: string;
  /** TLS with the node's certificate: the scheduler knows the node by it. */
  credentials: Credentials;
  labels: Record<string, string>;
  agentVersion: string;
  inventory: NodeInventory;
  /** Builds one report; called every interval while registered. */
  report(): Promise<NodeReport>;
  /** Used until the scheduler's `registered` names its own interval. */
  reportIntervalMs: number;
  logger: Logger;
}

export interface GrpcLink {
  state(): SchedulerLinkState;
  close(): void;
}

/**
 * Keeps one NodeService.Connect stream open to the scheduler: register, then report every
 * interval. A broken stream, a scheduler that is down or a rejection leads to a new
 * stream after a backoff (200 ms doubling to 5 s), forever; jobs never notice.
 */
export function startGrpcLink(opts: GrpcLinkOptions): GrpcLink {
  const log = opts.logger.child({ component: 'scheduler-link', scheduler: opts.address });
  let client = nodeServiceClient(opts);
  const link: LinkState = { backoff: new Backoff(), state: 'connecting', closed: false, quiet: false };
  const connect = () => {
    // After a rejection, a new connection: the one that carried it may belong to a
    // scheduler that stepped down and still answers on it (seen after a lease lapse: a
    // few nodes refused 'no longer the leader' for minutes while the new leader served).
    // Anything else keeps the connection: a new one costs the scheduler a TLS handshake.
    if (link.state === 'rejected') {
      client.close();
      client = nodeServiceClient(opts);
    }
    openStream(client, opts, link, log, connect);
  };
  connect();
  return {
    state: () => link.state,
    close() {
      link.closed = true;
      clearTimeout(link.retryTimer);
      link.endCurrent?.();
      client.close();
    },
  };
}

/** What the link's streams, one after another, share. */
interface LinkState {
  backoff: Backoff;
  state: SchedulerLinkState;
  closed: boolean;
  /** Set once an outage was logged loud: quiet while it lasts. */
  quiet: boolean;
  retryTimer?: NodeJS.Timeout;
  endCurrent?: () => void;
}

function nodeServiceClient(opts: GrpcLinkOptions): NodeServiceClient {
  const { NodeService } = loadProto().wattpack.v1;
  return new NodeService(opts.address, grpcChannelCredentials(opts.credentials), {
    // The channel's own reconnect backoff (default up to 120 s) would outlast ours.
    'grpc.initial_reconnect_backoff_ms': Backoff.MIN_MS,
    'grpc.max_reconnect_backoff_ms': Backoff.MAX_MS,
    // Notice a scheduler that vanished or froze without closing the connection (a killed
    // one closes it at once) within 20 s, well within the 60 s a new leader gives a node to
    // come back before its jobs count as lost. Not sooner: on a starved host a 4 s timeout
    // dropped most of 800 nodes' connections while they registered (934 drops in one run,
    // each another TLS handshake and registration); Kubernetes' clients wait 30 s + 15 s.
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 10_000,
    // Sizes set deliberately (docs/limits.md): a report over what the scheduler accepts is refused
    // here (RESOURCE_EXHAUSTED in this agent's log), not sent in full to be dropped there.
    'grpc.max_send_message_length': GRPC_LIMITS.requestBytes,
    'grpc.max_receive_message_length': GRPC_LIMITS.agentReceiveBytes,
  });
}

/** One stream: register, report once registered; broken, it schedules `reconnect` after the backoff. */
function openStream(client: NodeServiceClient, opts: GrpcLinkOptions, link: LinkState, log: Logger, reconnect: () => void): void {
  if (link.closed) return;
  const call = client.Connect();
  let ended = false;
  let reportTimer: NodeJS.Timeout | undefined;
  const registerTimer = setTimeout(() => broken('no answer to registration'), REGISTER_TIMEOUT_MS);

  const broken = (why: string, next: SchedulerLinkState = 'connecting') => {
    if (ended) return;
    ended = true;
    clearTimeout(registerTimer);
    clearTimeout(reportTimer);
    call.cancel();
    if (link.closed) return;
    const delay = link.backoff.delay();
    // Loud once per outage, quiet while it lasts.
    log[link.quiet ? 'debug' : 'warn']({ why, retryInMs: delay }, 'scheduler link down: retrying');
    link.quiet = true;
    link.state = next;
    link.retryTimer = setTimeout(reconnect, delay);
  };
  link.endCurrent = () => broken('closing');

  const sendReport = async (intervalMs: number) => {
    try {
      const report = await opts.report();
      if (!ended) call.write({ report } satisfies AgentMessage);
    } catch (err) {
      log.warn({ err }, 'building a report failed');
    }
    if (!ended) reportTimer = setTimeout(() => void sendReport(intervalMs), intervalMs);
  };

  call.on('data', (msg: SchedulerMessage__Output) => {
    if (msg.registered && link.state !== 'registered') {
      clearTimeout(registerTimer);
      const intervalMs = msg.registered.reportIntervalMs || opts.reportIntervalMs;
      link.state = 'registered';
      link.backoff.reset();
      link.quiet = false;
      log.info({ reportIntervalMs: intervalMs }, 'registered with the scheduler');
      void sendReport(intervalMs);
    } else if (msg.rejected) {
      log.warn({ reason: msg.rejected.reason }, 'scheduler rejected this node');
      link.quiet = true;
      broken(`rejected: ${msg.rejected.reason}`, 'rejected');
    }
  });
  call.on('error', (err: grpc.ServiceError) => broken(err.details || err.message));
  call.on('end', () => broken('stream ended by the scheduler'));

  const register: AgentMessage = {
    register: { nodeId: opts.nodeId, labels: opts.labels, inventory: opts.inventory, agentVersion: opts.agentVersion },
  };
  call.write(register);
}
