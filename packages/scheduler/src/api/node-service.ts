import { WattpackError, inventoryFromProto, nodeIdSchema, peerIdentity, reportFromProto, type Identity, type Logger } from '@wattpack/common/daemon';
import type { NodeServiceHandlers } from '@wattpack/common/proto/NodeService';
import type { RegisterNode__Output as RegisterMessage } from '@wattpack/common/proto/RegisterNode';
import type { Scheduler } from '../loop/scheduler.js';
import type { AuditLog } from './audit.js';
import { revokes, type Revocations } from './revocations.js';

/**
 * Agents' stream: register, then reports. A node is gone when its stream ends; a
 * stream replaced by a newer one from the same node (agent restart) does not count.
 * A stream speaks only for the node its certificate names (Kubernetes' NodeRestriction):
 * a node cannot register, or report, as another. A revoked credential is refused, and a
 * live stream of one is closed the moment it is revoked.
 */
export function nodeService(scheduler: Scheduler, log: Logger, trust: { revocations: Revocations; audit: AuditLog }): NodeServiceHandlers {
  const current = new Map<string, object>();
  /** Open streams by the identity that opened them, to close on revocation. */
  const live = new Map<object, { peer: Identity; close(reason: string): void }>();
  trust.revocations.onRevoke((r) => {
    let closed = 0;
    for (const stream of [...live.values()]) {
      if (!revokes(r, stream.peer)) continue;
      stream.close(`the credential of ${r.kind} "${r.name}" was revoked`);
      closed++;
    }
    return closed;
  });

  /** Refusals are audited at most once a minute per credential and reason: agents retry every few seconds. */
  const refused = (peer: Identity | undefined, target: string, err: WattpackError) => {
    log.warn({ peer: peer?.name, role: peer?.role, target, err: err.message }, 'refused an agent stream');
    void trust.audit.record(
      { name: peer?.name ?? '-', role: peer?.role ?? '', serial: peer?.serial ?? '', action: 'NodeService.Connect', target, result: err.code, message: err.message, before: {}, after: {} },
      { throttle: `connect:${peer?.serial ?? '-'}:${target}:${err.code}` },
    );
  };

  /**
   * A scheduler that lost its lease ends every agent's stream and may store nothing: each
   * node's loss fails alike, and is the next leader's to judge. Said once, not per node.
   */
  let leaseLost = false;
  const lostFailed = (err: unknown) => {
    if (WattpackError.from(err).code !== 'UNAVAILABLE') return log.error({ err }, 'marking node lost failed');
    if (!leaseLost) log.info({ reason: WattpackError.from(err).message }, 'agent streams ending while stepping down: their nodes are left to the next leader');
    leaseLost = true;
  };
  const streams: Streams = { scheduler, log, trust, current, live, refused, lostFailed };
  return { Connect: (call) => connect(call, streams) };
}

/** What every agent stream shares: the scheduler, the trust, which stream is each node's current one, the open streams by identity. */
interface Streams {
  scheduler: Scheduler;
  log: Logger;
  trust: { revocations: Revocations; audit: AuditLog };
  current: Map<string, object>;
  live: Map<object, { peer: Identity; close(reason: string): void }>;
  refused(peer: Identity | undefined, target: string, err: WattpackError): void;
  lostFailed(err: unknown): void;
}

/** One agent's stream: admitted by its certificate, then its registration and reports, until it ends. */
function connect(call: Parameters<NodeServiceHandlers['Connect']>[0], s: Streams): void {
  const { scheduler, log, trust, current, live, refused } = s;
  const token = {};
  let peer: Identity | undefined;
  let nodeId: string | undefined;
  const gone = (reason: string) => {
    live.delete(token);
    if (nodeId && current.get(nodeId) === token) {
      current.delete(nodeId);
      scheduler.nodeLost(nodeId, reason).catch((err: unknown) => s.lostFailed(err));
    }
  };
  const reject = (reason: string) => {
    call.write({ rejected: { reason } });
    call.end();
  };
  try {
    peer = peerIdentity(call);
    if (peer) trust.revocations.check(peer);
  } catch (err) {
    const e = WattpackError.from(err);
    refused(peer, peer ? `node ${peer.name}` : 'node', e);
    reject(e.message);
    return;
  }
  if (peer) {
    const who = peer;
    live.set(token, {
      peer: who,
      close: (reason) => {
        refused(who, `node ${who.name}`, new WattpackError('UNAUTHENTICATED', reason));
        gone('its credential was revoked');
        reject(reason);
      },
    });
  }
  call.on('data', (msg) => {
    if (msg.register) {
      nodeId = register(msg.register, call, { peer, token, reject }, s) ?? nodeId;
    } else if (msg.report) {
      if (nodeId && current.get(nodeId) === token) void scheduler.report(nodeId, reportFromProto(msg.report));
    }
  });
  call.on('end', () => {
    gone('agent disconnected');
    call.end();
  });
  call.on('error', () => gone('agent stream broke'));
  call.on('cancelled', () => gone('agent stream cancelled'));
}

/** A registration: the node its certificate names, and no other; the node id it registered, or undefined when refused. */
function register(reg: RegisterMessage, call: Parameters<NodeServiceHandlers['Connect']>[0], stream: { peer: Identity | undefined; token: object; reject(reason: string): void }, s: Streams): string | undefined {
  const { scheduler, current, refused } = s;
  const { peer, token, reject } = stream;
  const id = nodeIdSchema.safeParse(reg.nodeId);
  if (!id.success) {
    reject(`node id "${reg.nodeId}": ${id.error.issues[0]?.message}`);
    return undefined;
  }
  if (peer && (peer.role !== 'node' || peer.name !== id.data)) {
    refused(peer, `node ${id.data}`, new WattpackError('PERMISSION_DENIED', `this credential is ${peer.role} "${peer.name}": it cannot register node "${id.data}"`));
    reject(`this credential is ${peer.role} "${peer.name}": it cannot register node "${id.data}"`);
    return undefined;
  }
  const nodeId = id.data;
  current.set(nodeId, token);
  scheduler
    .registerNode({ nodeId, labels: reg.labels, inventory: inventoryFromProto(reg.inventory), wanted: () => current.get(nodeId) === token })
    .then(() => call.write({ registered: { nodeId: id.data, reportIntervalMs: scheduler.siteConfig().reportIntervalMs } }))
    .catch((err: unknown) => reject(WattpackError.from(err).message));
  return nodeId;
}
