import { TERMINAL_STATES, type JobState } from '@wattpack/common';
import type { Job__Output } from '@wattpack/common/proto/Job';
import { renderFields, renderTable } from './table.js';
import { indexRanges, kw, listSome, since, timestampAgo, watts } from './units.js';

export const isEnded = (job: Job__Output): boolean => TERMINAL_STATES.has(job.state as JobState);

const nodeIds = (job: Job__Output) => job.assignments.map((a) => a.nodeId);

/** nodes×GPUs per node, as the spec asked. */
const shape = (job: Job__Output) => `${job.spec?.nodes ?? 0}×${job.spec?.gpus ?? 0}`;

/** Pending: time waited; running: time run so far; ended: how long it ran (or waited). */
const elapsed = (job: Job__Output, now: number) =>
  since(job.startedAtMs || job.submittedAtMs, job.finishedAtMs || now);

export function jobsTable(jobs: Job__Output[], now: number): string {
  return renderTable(
    ['ID', 'NAME', 'TEAM', 'STATE', 'GPUS', 'NODES', 'POWER', 'AGE/RUNTIME', { header: 'REASON', maxWidth: 48 }],
    jobs.map((j) => [j.id, j.spec?.name ?? '', j.spec?.team ?? '', j.state, shape(j), listSome(nodeIds(j), 3), watts(j.powerLimitW), elapsed(j, now), j.reason || '-']),
    'no jobs',
  );
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
