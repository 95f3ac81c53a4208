import type { Node__Output } from '@wattpack/common/proto/Node';
import { renderTable } from './table.js';
import { kw, listSome, timestamp } from './units.js';

function gpus(node: Node__Output): string {
  const all = node.inventory?.gpus ?? [];
  if (all.length === 0) return '-';
  const models = [...new Set(all.map((g) => g.model))].join('+');
  return `${node.gpusAllocated}/${all.length} ${models}`;
}

/** What the last report measured: GPU draw plus miner draw; unknown readings are left out. */
function measuredW(node: Node__Output): number | undefined {
  const report = node.lastReport;
  if (!report) return undefined;
  const sum = (values: (number | undefined)[]) => values.reduce<number>((s, v) => s + (v ?? 0), 0);
  return sum(report.gpus.map((g) => g.powerDrawW)) + sum(report.miners.map((m) => m.powerW));
}

function miners(node: Node__Output): string {
  const total = node.inventory?.miners.length ?? 0;
  if (total === 0) return '-';
  const mining = node.lastReport?.miners.filter((m) => m.state === 'MINER_RUN_STATE_MINING').length ?? 0;
  return `${mining}/${total}`;
}

/** Slurm's power suffixes (sinfo): ~ off, # powering up, % powering down. */
const POWER_SUFFIX: Record<string, string> = { off: '~', resuming: '#', suspending: '%' };

/**
 * The node's state as sinfo words it: idle, mix or alloc by its GPUs, drain, or down; with
 * the power suffix while power saving holds it off or is switching it.
 */
export function slurmState(node: Node__Output): string {
  const total = node.inventory?.gpus.length ?? 0;
  const use = node.gpusAllocated === 0 ? 'idle' : node.gpusAllocated >= total ? 'alloc' : 'mix';
  const suffix = POWER_SUFFIX[node.power] ?? '';
  if (node.power === 'down' || (node.status !== 'READY' && !suffix)) return 'down';
  return `${node.drain ? 'drain' : use}${suffix}`;
}

/** Why the node is as it is: its drain's reason, its power's (a BMC that failed, a boot that timed out), or its status's. */
function reasonOf(n: Node__Output): string {
  if (n.drain) return `${n.drain.reason} (${n.drain.by})`;
  if (n.power && n.power !== 'on') return `${n.powerReason} (${n.power} since ${timestamp(Number(n.powerSinceMs))})`;
  return n.powerReason || n.reason;
}

/** wide: every label, the GPU draw and miners' draw apart, the last report's time, nothing cut. */
export function nodesTable(nodes: Node__Output[], wide = false): string {
  const columns = wide
    ? ['NODE', 'STATE', 'STATUS', 'GPUS', 'POWER', 'MINERS', 'LAST REPORT', 'LABELS', 'REASON']
    : ['NODE', 'STATE', 'STATUS', 'GPUS', 'POWER', 'MINERS', 'LABELS', { header: 'REASON', maxWidth: 48 }];
  return renderTable(
    columns,
    nodes.map((n) => {
      const measured = measuredW(n);
      const labels = Object.entries(n.labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`);
      const status = n.drain ? `${n.status},${n.drain.state}` : n.status;
      const reason = reasonOf(n);
      const power = `${kw(n.allocatedW)} / ${measured === undefined ? '?' : kw(measured)} kW`;
      return wide
        ? [n.id, slurmState(n), status, gpus(n), power, miners(n), timestamp(Number(n.lastReport?.timestampMs ?? 0)), listSome(labels, Infinity), reason || '-']
        : [n.id, slurmState(n), status, gpus(n), power, miners(n), listSome(labels, 4), reason || '-'];
    }),
    'no nodes',
    wide,
  );
}

/** `wattpack drain status`: every cordoned node, its drain and its progress. */
export function drainsTable(nodes: Node__Output[], wide = false): string {
  return renderTable(
    ['NODE', 'DRAIN', 'JOBS LEFT', 'MINERS', 'DEADLINE', 'BY', 'SINCE', { header: 'REASON', maxWidth: 48 }],
    nodes
      .filter((n) => n.drain)
      .map((n) => {
        const d = n.drain!;
        return [n.id, d.state, String(d.jobsRemaining), miners(n), d.deadlineMs ? timestamp(d.deadlineMs) : '-', d.automatic ? 'wattpack (auto)' : d.by, timestamp(d.atMs), d.reason];
      }),
    'no node is cordoned or draining',
    wide,
  );
}
