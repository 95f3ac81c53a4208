import type { NodeRecord } from '@wattpack/common';
import type { SchedulerServiceHandlers } from '@wattpack/common/proto/SchedulerService';
import type { Api, Note } from './call.js';
import { nodesView } from './views.js';

type NodeRpcs = Pick<SchedulerServiceHandlers, 'ListNodes' | 'DrainNodes' | 'CordonNodes' | 'UncordonNodes'>;

/** Nodes: list them; operators drain and uncordon them. */
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
  };
}
