import { WattpackError, inventoryFromProto, nodeIdSchema, peerIdentity, reportFromProto, type Logger } from '@wattpack/shared';
import type { NodeServiceHandlers } from '@wattpack/shared/proto/NodeService';
import type { Scheduler } from '../loop/scheduler.js';

/**
 * Agents' stream: register, then reports. A node is gone when its stream ends; a
 * stream replaced by a newer one from the same node (agent restart) does not count.
 * A stream speaks only for the node its certificate names (Kubernetes' NodeRestriction):
 * a node cannot register, or report, as another.
 */
export function nodeService(scheduler: Scheduler, log: Logger): NodeServiceHandlers {
  const current = new Map<string, object>();
  return {
    Connect(call) {
      const token = {};
      const peer = peerIdentity(call);
      let nodeId: string | undefined;
      const gone = (reason: string) => {
        if (nodeId && current.get(nodeId) === token) {
          current.delete(nodeId);
          scheduler.nodeLost(nodeId, reason).catch((err) => log.error({ err }, 'marking node lost failed'));
        }
      };
      call.on('data', (msg) => {
        if (msg.register) {
          const reg = msg.register;
          const id = nodeIdSchema.safeParse(reg.nodeId);
          if (!id.success) {
            call.write({ rejected: { reason: `node id "${reg.nodeId}": ${id.error.issues[0]?.message}` } });
            call.end();
            return;
          }
          if (peer && (peer.role !== 'node' || peer.name !== id.data)) {
            log.warn({ peer: peer.name, role: peer.role, nodeId: id.data }, 'refused a registration for another identity');
            call.write({ rejected: { reason: `this credential is ${peer.role} "${peer.name}": it cannot register node "${id.data}"` } });
            call.end();
            return;
          }
          nodeId = id.data;
          current.set(nodeId, token);
          scheduler
            .registerNode({ nodeId, labels: reg.labels, inventory: inventoryFromProto(reg.inventory) })
            .then(() => call.write({ registered: { nodeId: id.data, reportIntervalMs: scheduler.siteConfig().reportIntervalMs } }))
            .catch((err: unknown) => {
              call.write({ rejected: { reason: WattpackError.from(err).message } });
              call.end();
            });
        } else if (msg.report) {
          if (nodeId && current.get(nodeId) === token) scheduler.report(nodeId, reportFromProto(msg.report));
        }
      });
      call.on('end', () => {
        gone('agent disconnected');
        call.end();
      });
      call.on('error', () => gone('agent stream broke'));
      call.on('cancelled', () => gone('agent stream cancelled'));
    },
  };
}
