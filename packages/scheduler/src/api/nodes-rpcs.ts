import { WattpackError, type NodeRecord } from '@wattpack/common/daemon';
import type { SchedulerServiceHandlers } from '@wattpack/common/proto/SchedulerService';
import type { Api, Note } from './call.js';
import { nodesView } from './views.js';

type NodeRpcs = Pick<SchedulerServiceHandlers, 'ListNodes' | 'DrainNodes' | 'CordonNodes' | 'UncordonNodes' | 'SetNodePower'>;

/** Nodes: list them; operators drain and uncordon them, and power them off and on. */
export function nodeRpcs({ scheduler, unary }: Api): NodeRpcs {
  const drainStates = () => new Map(scheduler.listNodes().map(({ record }) => [record.id, record.drain?.state ?? 'schedulable']));

  /** Runs a drain or uncordon, noting each node's drain state before and after for the audit. */
  const nodeChange = async (note: Note, change: () => Promise<NodeRecord[]>) => {
    const before = drainStates();
    const done = await change();
    note.target = `nodes ${done.map((n) => n.id).join(',')}`;
    note.before = Object.fromEntries(done.map((n) => [n.id, before.get(n.id) ?? 'unknown']));
    note.after = Object.fromEntries(done.map((n) => [n.id, n.drain?.state ?? 'schedulable']));
    return nodesView(scheduler, new Set(done.map((n) => n.id)));
  };

  return {
    ListNodes: unary('ListNodes', () => nodesView(scheduler)),
    DrainNodes: unary('DrainNodes', (req, caller, note) =>
      nodeChange(note, () =>
        scheduler.drain(
          { nodeIds: req.nodes?.nodeIds ?? [], labels: req.nodes?.labels ?? {} },
          // "by" is the verified name, never one the request carries.
          { reason: req.reason, by: caller.name, ...(req.deadlineS ? { deadlineS: req.deadlineS } : {}), migrate: !req.noMigrate, force: req.force, cancel: req.cancel },
        ),
      ),
    ),
    CordonNodes: unary('CordonNodes', (req, caller, note) =>
      nodeChange(note, () => scheduler.cordon({ nodeIds: req.nodes?.nodeIds ?? [], labels: req.nodes?.labels ?? {} }, { reason: req.reason, by: caller.name })),
    ),
    UncordonNodes: unary('UncordonNodes', (req, _caller, note) =>
      nodeChange(note, () => scheduler.uncordon({ nodeIds: req.nodes?.nodeIds ?? [], labels: req.nodes?.labels ?? {} })),
    ),
    SetNodePower: unary('SetNodePower', async (req, caller, note) => {
      if (req.action !== 'suspend' && req.action !== 'resume') throw new WattpackError('INVALID_ARGUMENT', `action ${JSON.stringify(req.action)}: use suspend or resume`);
      const before = scheduler.listNodes().find((n) => n.record.id === req.nodeId)?.record.power?.state ?? 'on';
      // "by" is the verified name, never one the request carries.
      const done = await scheduler.setNodePower(req.nodeId, req.action, caller.name);
      note.target = `node ${done.id}`;
      note.before = { power: before };
      note.after = { power: done.power?.state ?? 'on' };
      return nodesView(scheduler, new Set([done.id]));
    }),
  };
}
