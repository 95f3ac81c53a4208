/**
 * The facility cap over time: a site's base cap, lowered by grid events. One definition for
 * the live loop (times in ms since the epoch) and the simulator (times in s from its start):
 * every time here is in the caller's one unit, `lead` and `notice` included. Pure: the
 * caller passes the time.
 */

/** A grid event: the cap drops to `capW` from `start` until `end`; it was announced `notice` ahead. */
export interface CapEvent {
  start: number;
  end: number;
  capW: number;
  /** How far ahead it was announced; absent: as far as any lead asks. */
  notice?: number;
}

/** One change of the cap: from `at` on it is `capW`. */
export interface CapChange {
  at: number;
  capW: number;
}

/** Added to the longest checkpoint grace: the time to ramp down once jobs have checkpointed (s). */
export const SHED_MARGIN_S = 60;

/**
 * The planning cap's lead (s): how early to plan against an announced lower cap so that
 * jobs can be under it when it starts: the longest checkpoint grace, plus a minute.
 */
export function planningLeadS(longestGraceS: number): number {
  return longestGraceS + SHED_MARGIN_S;
}

/** When an event starts to count: `lead` before it starts, as far as its notice allows. */
const countsFrom = (e: CapEvent, lead: number): number => e.start - Math.min(e.notice ?? Infinity, lead);

/**
 * The cap in force at `t`: the lowest of `baseW` and every event on at `t`. With `lead`,
 * an event counts from up to `lead` before it starts (as its notice allows): the cap to
 * plan against. Without, the cap the facility is held to.
 */
export function capAtW(baseW: number, events: readonly CapEvent[], t: number, lead = 0): number {
  let cap = baseW;
  for (const e of events) if (t < e.end && t >= countsFrom(e, lead)) cap = Math.min(cap, e.capW);
  return cap;
}

/**
 * The next lower planning cap already announced at `t`, and when it starts to count: as a
 * Slurm reservation holds nodes, a job that would still run then must fit under it.
 * Undefined: none known.
 */
export function capAheadAt(baseW: number, events: readonly CapEvent[], t: number, lead = 0): CapChange | undefined {
  const now = capAtW(baseW, events, t, lead);
  let next: CapChange | undefined;
  for (const e of events) {
    const at = countsFrom(e, lead);
    const announced = t >= e.start - (e.notice ?? Infinity);
    if (at > t && announced && e.capW < now && (!next || at < next.at)) next = { at, capW: capAtW(baseW, events, at, lead) };
  }
  return next;
}

/**
 * Every change of `capAtW(baseW, events, ·, lead)` from `origin` on, in time order (the cap
 * is `baseW` at `origin` unless the first change is there): at each event's edges, the
 * cap in force then, where it differs from the one before.
 */
export function capChanges(baseW: number, events: readonly CapEvent[], lead = 0, origin = 0): CapChange[] {
  const instants = [...new Set(events.flatMap((e) => [Math.max(origin, countsFrom(e, lead)), e.end]))].sort((a, b) => a - b);
  const out: CapChange[] = [];
  let current = baseW;
  for (const at of instants) {
    const cap = capAtW(baseW, events, at, lead);
    if (cap !== current) out.push({ at, capW: cap });
    current = cap;
  }
  return out;
}
