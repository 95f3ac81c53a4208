import { TERMINAL_STATES, type JobState } from '@wattpack/common/core';
import type { Job__Output } from '@wattpack/common/proto/Job';
import type { LogLine__Output } from '@wattpack/common/proto/LogLine';
import { renderFields, renderTable } from './table.js';
import { indexRanges, kw, listSome, since, timestamp, timestampAgo, watts } from './units.js';

export const isEnded = (job: Job__Output): boolean => TERMINAL_STATES.has(job.state as JobState);

const nodeIds = (job: Job__Output) => job.assignments.map((a) => a.nodeId);

/** nodes×GPUs per node, as the spec asked. */
const shape = (job: Job__Output) => `${job.spec?.nodes ?? 0}×${job.spec?.gpus ?? 0}`;

/** Pending: time waited; running: time run so far; ended: how long it ran (or waited). */
const elapsed = (job: Job__Output, now: number) =>
  since(job.startedAtMs || job.submittedAtMs, job.finishedAtMs || now);

/**
 * kubectl's listing. An array is one row, as squeue writes it ("<id>_[0-1999]", its tasks
 * counted by state); `tasks`: one row per task (squeue -r). `wide` adds owner, priority,
 * submit time and image, and lists every node.
 */
export function jobsTable(jobs: Job__Output[], now: number, opts: { wide?: boolean; tasks?: boolean } = {}): string {
  const wide = opts.wide ?? false;
  const columns = wide
    ? ['ID', 'NAME', 'TEAM', 'OWNER', 'STATE', 'GPUS', 'NODES', 'POWER', 'PRIORITY', 'SUBMITTED', 'AGE/RUNTIME', 'IMAGE', 'REASON']
    : ['ID', 'NAME', 'TEAM', 'STATE', 'GPUS', 'NODES', 'POWER', 'AGE/RUNTIME', { header: 'REASON', maxWidth: 48 }];
  // With tasks each task is a job of its own ("<array>_<index>", its state), as squeue -r shows it.
  const groups = opts.tasks ? jobs.map((j) => [j]) : foldArrays(jobs);
  return renderTable(columns, groups.map((group) => row(group, now, wide, opts.tasks ?? false)), 'no jobs', wide);
}

/** Jobs in listing order, an array's tasks together where its first task was. */
function foldArrays(jobs: Job__Output[]): Job__Output[][] {
  const groups = new Map<string, Job__Output[]>();
  for (const j of jobs) {
    const key = j.arrayJobId || j.id;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(j);
  }
  return [...groups.values()];
}

/** One job's row, or one array's: its tasks' states counted, nodes merged, the reason of one that waits. */
function row(group: Job__Output[], now: number, wide: boolean, tasks: boolean): string[] {
  const first = group[0]!;
  const single = tasks || (group.length === 1 && !first.arrayJobId);
  const counts = new Map<string, number>();
  for (const t of group) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const id = single ? first.id : `${first.arrayJobId}_[${indexRanges(group.map((t) => t.arrayIndex))}]`;
  const state = single ? first.state : [...counts].map(([s, n]) => `${s} ${n}`).join(', ');
  const nodes = listSome([...new Set(group.flatMap(nodeIds))], wide ? Infinity : 3);
  const power = single ? watts(first.powerLimitW) : '-';
  const reason = (single ? first.reason : group.find((t) => t.state === 'PENDING')?.reason) || '-';
  const [name, team, age] = [first.spec?.name ?? '', first.spec?.team ?? '', elapsed(first, now)];
  return wide
    ? [id, name, team, first.owner || '-', state, shape(first), nodes, power, String(first.spec?.priority ?? '-'), timestamp(first.submittedAtMs), age, first.spec?.image || '-', reason]
    : [id, name, team, state, shape(first), nodes, power, age, reason];
}

/** A log line as people read it: a gang's lines name their node. */
export function logLineText(job: Job__Output): (line: LogLine__Output) => string {
  const multiNode = (job.spec?.nodes ?? 1) > 1 || job.assignments.length > 1;
  return (line) => (multiNode ? `[${line.nodeId}] ${line.line}` : line.line);
}

/** One line: "RUNNING on gpu-1,gpu-2: reason (exit code 0)". */
export function jobStatus(job: Job__Output): string {
  const where = job.assignments.length ? ` on ${listSome(nodeIds(job), 3)}` : '';
  const reason = job.preempting ? `: preempting: ${job.preempting}` : job.reason ? `: ${job.reason}` : '';
  const exit = job.exitCode !== undefined ? ` (exit code ${job.exitCode})` : '';
  return `${job.state}${where}${reason}${exit}`;
}

const quoteArg = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg));

/** Where it runs and what it waits for: rows only for what the job has. */
function contextRows(job: Job__Output): [string, string][] {
  const spec = job.spec;
  const deps = [...(spec?.afterOk ?? []).map((id) => `${id} (after-ok)`), ...(spec?.afterAny ?? []).map((id) => `${id} (after-any)`)];
  const files = [spec?.output ? `stdout ${spec.output}` : '', spec?.error ? `stderr ${spec.error}` : ''].filter(Boolean);
  const rows: [string, string][] = [
    ['Depends on', deps.join(', ')],
    ['Workdir', spec?.workdir ?? ''],
    ['Output', files.join(', ')],
    ['Mounts', (spec?.mounts ?? []).map((m) => `${m.source} -> ${m.target}${m.readOnly ? ' (read-only)' : ''}`).join('\n')],
    ['Rendezvous', job.rendezvous],
  ];
  return rows.filter(([, value]) => value);
}

export function jobDetails(job: Job__Output, now: number): string {
  const spec = job.spec;
  const argv = spec ? [...spec.command, ...spec.args] : [];
  const models = spec?.gpuModels.length ? spec.gpuModels.join(' or ') : 'any model';
  const nodes = job.assignments.map((a) => {
    const exit = a.exitCode !== undefined ? `  exit ${a.exitCode}` : '';
    return `${a.nodeId}  GPUs ${indexRanges(a.gpuIndices) || '-'}${a.gpuModel ? ` (${a.gpuModel})` : ''}${exit}`;
  });
  return renderFields([
    ['ID', job.id],
    ['Name', spec?.name ?? ''],
    ['State', job.state],
    ['Reason', job.reason || '-'],
    ...(job.preempting ? ([['Preempting', job.preempting]] as [string, string][]) : []),
    ['Team', spec?.team ?? ''],
    ['Owner', job.owner || '-'],
    ['Priority', `${spec?.priority ?? ''}${spec?.preemptible === false ? ', not preemptible' : ', preemptible'}`],
    // The scheduler leaves out another team's command, arguments and environment.
    ['Command', argv.length ? argv.map(quoteArg).join(' ') : `- (hidden: a job of team ${spec?.team ?? '?'}, not yours)`],
    ['Image', spec?.image || '- (runs on the host)'],
    ['Asks for', `${spec?.nodes ?? 0} node(s) × ${spec?.gpus ?? 0} GPU(s), ${models}`],
    ['Nodes', nodes.join('\n') || '-'],
    ...contextRows(job),
    ['Power', job.powerLimitW > 0 ? `${watts(job.powerLimitW)} per GPU` : '-'],
    ['Draw', job.power ? `p50 ${watts(job.power.p50W)}, p99 ${watts(job.power.p99W)} (hottest GPU), held back at its limit ${(100 * job.power.heldFraction).toFixed(0)}% of ${job.power.samples} samples` : job.state === 'RUNNING' ? '- (warming up)' : '-'],
    ['Limits', job.limitHistory.map((c) => `${timestampAgo(Number(c.atMs), now)}  ${watts(c.limitW)}  ${c.why}${Number(c.confirmedAtMs) ? '' : ' (not yet enforced)'}`).join('\n') || '-'],
    ['Facility', job.allocatedFacilityW > 0 ? `${kw(job.allocatedFacilityW)} kW allocated` : '-'],
    ['Attempt', String(job.attempt)],
    ['Submitted', timestampAgo(job.submittedAtMs, now)],
    ['Started', timestampAgo(job.startedAtMs, now)],
    ['Finished', timestampAgo(job.finishedAtMs, now)],
    ['Exit code', job.exitCode !== undefined ? String(job.exitCode) : '-'],
  ]);
}
