import type { PlanPreview__Output } from '@wattpack/common/proto/PlanPreview';
import { renderTable } from './table.js';
import { kw, listSome } from './units.js';

/** `wattpack plan`: one table of what would happen to each job, then the miners, the servers' power and the watts. */
export function planText(p: PlanPreview__Output): string {
  const rows = [
    ...p.placements.map((x) => [x.jobId, 'start', `${x.gpus} GPU(s) on ${listSome(x.nodeIds, 4)} at ${Math.round(x.powerLimitW)} W`]),
    ...p.preemptions.map((x) => [x.jobId, 'preempt', x.reason]),
    ...p.powerChanges.map((x) => [x.jobId, 'set limit', `${Math.round(x.powerLimitW)} W (${x.why})`]),
    ...p.requeued.map((x) => [x.jobId, 'not yet', x.reason]),
    ...p.waiting.map((x) => [x.jobId, 'wait', x.reason]),
  ];
  const miners = [
    p.curtailMiners.length ? `curtail ${p.curtailMiners.length} miner(s): ${listSome(p.curtailMiners, 6)}` : '',
    p.resumeMiners.length ? `resume ${p.resumeMiners.length} miner(s): ${listSome(p.resumeMiners, 6)}` : '',
    p.suspendNodes.length ? `power off ${p.suspendNodes.length} server(s): ${listSome(p.suspendNodes, 6)}` : '',
    p.resumeNodes.length ? `power on ${p.resumeNodes.length} server(s): ${listSome(p.resumeNodes, 6)}` : '',
    p.downNodes.length ? `mark down ${p.downNodes.length} server(s) not back within resumeTimeout: ${listSome(p.downNodes, 6)}` : '',
  ].filter(Boolean);
  return [
    renderTable(['JOB', 'ACTION', { header: 'DETAIL', maxWidth: 72 }], rows, 'nothing to do: no job waits and no limit changes'),
    ...miners,
    `allocated after the pass: ${kw(p.allocatedW)} kW of a ${kw(p.budgetW)} kW budget`,
  ].join('\n');
}
