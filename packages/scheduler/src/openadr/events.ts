import { z } from 'zod';

/**
 * OpenADR 3 events (openadr3.yaml, 3.1.1: event, interval, intervalPeriod, valuesMap) into
 * the site's grid events. Pure: the VTN's JSON in, grid events and reasons out. What is
 * followed: IMPORT_CAPACITY_LIMIT (a cap, KW per the units enumeration) and
 * CONTROL_LEVEL_OFFSET_PERCENT above 0 (a cut of that share against the measured baseline).
 */

/** A grid event as the VEN asks the scheduler for it (the scheduler sets a cut's cap). */
export interface VtnGridEvent {
  source: string;
  eventId: string;
  /** The event's interval id: reports of it carry the same id (User Guide 7.5). */
  intervalId: number;
  programId: string;
  startMs: number;
  durationS: number;
  capMw?: number;
  reduceFraction?: number;
}

const period = z.object({ start: z.string().optional(), duration: z.string().optional() }).passthrough();
const valuesMap = z.object({ type: z.string().min(1), values: z.array(z.unknown()) }).passthrough();
const eventSchema = z
  .object({
    id: z.string().min(1),
    programID: z.string().min(1),
    eventName: z.string().nullish(),
    intervalPeriod: period.nullish(),
    payloadDescriptors: z.array(z.object({ payloadType: z.string(), units: z.string().nullish() }).passthrough()).nullish(),
    intervals: z.array(z.object({ id: z.number().int(), intervalPeriod: period.nullish(), payloads: z.array(valuesMap) }).passthrough()).nullish(),
  })
  .passthrough();
export const programsSchema = z.array(z.object({ id: z.string().min(1), programName: z.string().min(1) }).passthrough());

const WATTS_PER: Record<string, number> = { KW: 1e3 };

/** ISO 8601 durations as the spec uses them (PT1H, P1DT30M, PT15M); months and years refused: their length varies. */
export function isoDurationS(text: string): number | undefined {
  const m = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const [w, d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number];
  return Math.round(w * 604800 + d * 86400 + h * 3600 + min * 60 + s);
}

/** "0001-01-01" (or with a time) means now, per the spec's User Guide. */
function startMs(text: string, now: number): number | undefined {
  if (text.startsWith('0001-01-01')) return now;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The VTN's events list into grid events. Each refused interval or event gets a reason that
 * names it and the field; the others are still taken.
 */
export function parseEvents(body: unknown, now: number): { events: VtnGridEvent[]; reasons: string[] } {
  if (!Array.isArray(body)) return { events: [], reasons: ['events: the VTN did not answer a JSON list of events'] };
  const events: VtnGridEvent[] = [];
  const reasons: string[] = [];
  for (const [i, raw] of body.entries()) {
    const parsed = eventSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      reasons.push(`event ${i + 1}: ${issue.path.join('.') || 'event'}: ${issue.message}`);
      continue;
    }
    const e = parsed.data;
    const name = `event ${e.id}${e.eventName ? ` (${e.eventName})` : ''}`;
    let nextStart: number | undefined;
    for (const interval of e.intervals ?? []) {
      const r = oneInterval(e, interval, now, nextStart);
      nextStart = r.endMs;
      if (!('startMs' in r)) {
        if (r.reason) reasons.push(`${name} interval ${interval.id}: ${r.reason}`);
        continue;
      }
      const { endMs: _end, ...window } = r;
      events.push({ ...window, source: `openadr:${e.id}:${interval.id}`, eventId: e.id, intervalId: interval.id, programId: e.programID });
    }
  }
  return { events, reasons };
}

type Event = z.infer<typeof eventSchema>;
type Interval = NonNullable<Event['intervals']>[number];

type Window = Pick<VtnGridEvent, 'startMs' | 'durationS' | 'capMw' | 'reduceFraction'> & { endMs: number };

/** One interval: its window and target, or why not (with its end when known: the next one follows it). */
function oneInterval(e: Event, interval: Interval, now: number, followsMs: number | undefined): Window | { reason?: string; endMs?: number } {
  // An interval without its own period follows the one before it (User Guide, "intervals").
  const startText = interval.intervalPeriod?.start ?? (followsMs === undefined ? e.intervalPeriod?.start : undefined);
  const durationText = interval.intervalPeriod?.duration ?? e.intervalPeriod?.duration;
  const start = startText !== undefined ? startMs(startText, now) : followsMs;
  if (start === undefined) return { reason: `intervalPeriod.start: ${startText === undefined ? 'missing' : `"${startText}" is not an ISO 8601 date-time`}` };
  if (durationText === undefined) return { reason: 'intervalPeriod.duration: missing' };
  const durationS = isoDurationS(durationText);
  if (!durationS) return { reason: `intervalPeriod.duration: "${durationText}" is not an ISO 8601 duration in weeks, days, hours, minutes or seconds above 0` };
  const endMs = start + durationS * 1000;
  if (endMs <= now) return { reason: `it ended at ${new Date(endMs).toISOString()}, before now: ignored`, endMs };
  const window = { startMs: start, durationS, endMs };
  for (const p of interval.payloads) {
    const value = p.values[0];
    if (p.type === 'IMPORT_CAPACITY_LIMIT') {
      const units = e.payloadDescriptors?.find((d) => d.payloadType === p.type)?.units ?? 'KW';
      const per = WATTS_PER[units];
      if (per === undefined) return { reason: `IMPORT_CAPACITY_LIMIT units "${units}": only KW is understood`, endMs };
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return { reason: `IMPORT_CAPACITY_LIMIT ${JSON.stringify(value)}: a limit must be a number of ${units} above 0`, endMs };
      return { ...window, capMw: (value * per) / 1e6 };
    }
    if (p.type === 'CONTROL_LEVEL_OFFSET_PERCENT') {
      if (typeof value !== 'number' || !(value >= -1 && value < 1)) return { reason: `CONTROL_LEVEL_OFFSET_PERCENT ${JSON.stringify(value)}: a share from -1.0 to below 1.0`, endMs };
      // 0 is normal operation and a negative offset asks for more load: no cap to hold.
      if (value <= 0) return { reason: `CONTROL_LEVEL_OFFSET_PERCENT ${value}: not a reduction, nothing to shed`, endMs };
      return { ...window, reduceFraction: value };
    }
  }
  // Prices, alerts and the rest carry no target: not ours to follow, and not an error.
  return { endMs };
}
