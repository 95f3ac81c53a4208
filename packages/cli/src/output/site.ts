import { allocatableWatts, formatDuration } from '@wattpack/common/core';
import type { PowerSplit__Output } from '@wattpack/common/proto/PowerSplit';
import type { Site__Output } from '@wattpack/common/proto/Site';
import type { GridEvent__Output } from '@wattpack/common/proto/GridEvent';
import { renderFields } from './table.js';
import { mw, timestamp } from './units.js';

const split = (p: PowerSplit__Output | null) =>
  p ? `${mw(p.facilityW)} MW facility (IT: GPUs ${mw(p.gpusW)}, hosts ${mw(p.hostsW)}, miners ${mw(p.minersW)} MW)` : '-';

const gridEvent = (e: GridEvent__Output) =>
  `${mw(e.capMw * 1e6)} MW from ${timestamp(e.startMs)} for ${formatDuration(e.durationS)} (notice ${formatDuration(e.noticeS)})` +
  (e.reduceFraction != null ? `: ${+(e.reduceFraction * 100).toFixed(1)} % below the ${mw(e.baselineW ?? 0)} MW measured when it was set` : '') +
  (e.source ? ` [${e.source}]` : '');

/** Reserved (at jobs' max limits), enforced, drawn, and the stranded watts right-sizing reclaimed. */
const heldGpus = (h: Site__Output['heldGpus']): string =>
  h ? `${mw(h.reservedW)} MW reserved at max, ${mw(h.enforcedW)} MW enforced, ${mw(h.drawnW)} MW drawn; ${mw(h.reclaimedW)} MW reclaimed (facility)` : '-';

/** Guaranteed shares (site settings); teams not listed split the rest evenly. */
const teamShares = (teams: Site__Output['teams'] | undefined): string =>
  Object.entries(teams ?? {})
    .map(([team, s]) => `${team}: ${s.gpus ?? '-'} GPUs, ${s.mw !== undefined ? `${s.mw} MW` : '- MW'}`)
    .join('\n') || '- (teams split the site evenly)';

/** What the meter measures against the model, and why it is not counted when it is not. */
function meterLine(m: Site__Output['meter']): string {
  if (!m) return '- (none: the model alone counts)';
  const reading = m.measuredW !== undefined ? `${mw(m.measuredW)} MW at ${timestamp(m.measuredAtMs ?? 0)}; model ${mw(m.modeledW)} MW, error ${signedMw(m.errorW ?? 0)} MW` : 'no reading yet';
  const state = m.trusted ? `counted: +${mw(m.correctionW)} MW on the model` : `NOT TRUSTED: counting +${mw(m.correctionW)} MW on the model`;
  return [`${m.address}: ${reading}`, state, ...(m.reason ? [m.reason] : [])].join('\n');
}

/** The utility's VTN: when it was last polled, and every reason something was not taken. */
function openadrLine(o: Site__Output['openadr']): string {
  if (!o) return '- (none: grid events from operators only)';
  const polled = o.polledAtMs ? `polled ${timestamp(o.polledAtMs)}` : 'not polled yet';
  const state = o.ok ? `${polled}: ${o.events} event interval(s), ${o.reportsSent} report(s) sent` : `${polled}: FAILED, holding the events already taken`;
  return [`${o.vtnUrl}: ${state}`, ...o.reasons].join('\n');
}

const signedMw = (w: number) => `${w >= 0 ? '+' : '-'}${mw(Math.abs(w))}`;

export function siteFields(site: Site__Output): string {
  // Planning uses the cap in force now, which a grid event may lower.
  const cap = site.effectiveCapW;
  const allocatable = allocatableWatts({ capMw: cap / 1e6, reserveFraction: site.reserveFraction });
  // The meter's correction counts like allocated watts: the cap holds at the meter.
  const allocated = (site.allocated?.facilityW ?? 0) + (site.meter?.correctionW ?? 0);
  return renderFields([
    ['Site', site.name],
    ['Cap', cap < site.capW ? `${mw(site.capW)} MW, ${mw(cap)} MW now (grid event)` : `${mw(site.capW)} MW`],
    ['Grid events', site.gridEvents.map(gridEvent).join('\n') || '-'],
    ['Reserve', `${(site.reserveFraction * 100).toFixed(1)}% (${mw(cap - allocatable)} MW)`],
    ['PUE', site.pue.toFixed(2)],
    ['Allocated', split(site.allocated)],
    ['Measured', split(site.measured)],
    ['Meter', meterLine(site.meter)],
    ['OpenADR', openadrLine(site.openadr)],
    ['Headroom', `${mw(allocatable - allocated)} MW (cap - reserve - allocated${site.meter ? ' - meter correction' : ''})`],
    ['Held GPUs', heldGpus(site.heldGpus)],
    ['Nodes ready', String(site.nodesReady)],
    ['GPUs', `${site.gpusAllocated}/${site.gpusTotal} allocated`],
    ['Jobs', `${site.jobsPending} pending, ${site.jobsRunning} running`],
    ['Team shares', teamShares(site.teams)],
    ['Miners', `${site.minersMining} mining, ${site.minersCurtailed} curtailed`],
    ['Conversion', `${mw(site.miningW)} MW mining, ${mw(site.aiW)} MW serving AI, ${mw(site.retiredW)} MW retired (IT)`],
  ]);
}

/** `wattpack site events`: each grid event with its target against the meter, per minute. */
export function eventReports(site: Site__Output): string {
  const reports = site.eventReports ?? [];
  if (reports.length === 0) return site.meter ? 'no grid event seen with the meter trusted since the scheduler started' : 'no facility meter: events are reported against the meter (docs/metering.md)';
  return reports
    .map((e) => {
      const head = renderFields([
        ['Event', `${timestamp(e.startMs)} for ${formatDuration(e.durationS)}`],
        ['Target', `${mw(e.targetW)} MW${e.baselineW != null ? ` (against a ${mw(e.baselineW)} MW baseline)` : ''}`],
        ['Reached', e.reachedAfterS != null ? `at the meter after ${e.reachedAfterS.toFixed(1)} s` : 'not yet'],
        ['Slowed', e.slowed.map((j) => `${j.jobId}: ${Math.round(j.fromW)} -> ${Math.round(j.toW)} W, ${(j.throughputKept * 100).toFixed(0)} % throughput kept`).join('\n') || '-'],
      ]);
      const rows = e.intervals.map((i) => `${timestamp(i.startMs)}  target ${mw(i.targetW)}  metered mean ${mw(i.meanW)}  max ${mw(i.maxW)} MW${i.maxW > i.targetW ? '  OVER' : ''}`);
      return [head, ...rows].join('\n');
    })
    .join('\n\n');
}
