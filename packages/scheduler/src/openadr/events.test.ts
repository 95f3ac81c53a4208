import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isoDurationS, parseEvents } from './events.js';

/** The spec's own event shapes (fixtures/README.md) parsed as the VEN reads them. */
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const T0 = Date.parse('2023-02-10T00:00:00.000Z');

describe('OpenADR 3 events into grid events', () => {
  it('takes an IMPORT_CAPACITY_LIMIT in KW as a cap in MW over the interval', () => {
    const { events, reasons } = parseEvents([fixture('capacity-limit-event.json')], T0 - 600_000);
    expect(reasons).toEqual([]);
    expect(events).toEqual([{ source: 'openadr:evt-42:0', eventId: 'evt-42', intervalId: 0, programId: 'p-1', startMs: T0, durationS: 3 * 3600, capMw: 12 }]);
  });

  it('follows a price event without a target and without a complaint (spec example 7.2-4)', () => {
    expect(parseEvents([fixture('minimal-event.json')], T0)).toEqual({ events: [], reasons: [] });
  });

  it('starts an interval with only a duration where the one before it ends (spec example 7.4-1)', () => {
    const e = fixture('variable-intervals-event.json') as { intervals: { payloads: unknown[] }[] };
    e.intervals[0]!.payloads = [{ type: 'CONTROL_LEVEL_OFFSET_PERCENT', values: [0.25] }];
    e.intervals[1]!.payloads = [{ type: 'CONTROL_LEVEL_OFFSET_PERCENT', values: [0.1] }];
    // At 00:30 the first hour is on; after it ends, the second still starts at 01:00.
    expect(parseEvents([e], T0 + 1_800_000).events.map((x) => [x.startMs - T0, x.durationS, x.reduceFraction])).toEqual([
      [0, 3600, 0.25],
      [3_600_000, 7200, 0.1],
    ]);
    const later = parseEvents([e], T0 + 5_400_000);
    expect(later.events.map((x) => [x.startMs - T0, x.durationS])).toEqual([[3_600_000, 7200]]);
    expect(later.reasons).toEqual(['event 7 (variableIntervalsEvent) interval 0: it ended at 2023-02-10T01:00:00.000Z, before now: ignored']);
  });

  it('refuses each bad event by name and field, and keeps the good ones', () => {
    const good = fixture('capacity-limit-event.json');
    const negative = { ...good, id: 'neg', intervals: [{ id: 3, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [-500] }] }] };
    const megawatts = { ...good, id: 'mw', payloadDescriptors: [{ objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'IMPORT_CAPACITY_LIMIT', units: 'MW' }] };
    const past = { ...good, id: 'old', intervalPeriod: { start: '2020-01-01T00:00:00Z', duration: 'PT1H' } };
    const badTime = { ...good, id: 'when', intervalPeriod: { start: 'tomorrow', duration: 'PT1H' } };
    const raise = { ...good, id: 'up', intervals: [{ id: 0, payloads: [{ type: 'CONTROL_LEVEL_OFFSET_PERCENT', values: [-0.2] }] }] };
    const { events, reasons } = parseEvents([good, negative, megawatts, past, badTime, raise, { programID: 'p-1' }, 'x'], T0);
    expect(events.map((e) => e.source)).toEqual(['openadr:evt-42:0']);
    expect(reasons).toEqual([
      'event neg (summer peak) interval 3: IMPORT_CAPACITY_LIMIT -500: a limit must be a number of KW above 0',
      'event mw (summer peak) interval 0: IMPORT_CAPACITY_LIMIT units "MW": only KW is understood',
      'event old (summer peak) interval 0: it ended at 2020-01-01T01:00:00.000Z, before now: ignored',
      'event when (summer peak) interval 0: intervalPeriod.start: "tomorrow" is not an ISO 8601 date-time',
      'event up (summer peak) interval 0: CONTROL_LEVEL_OFFSET_PERCENT -0.2: not a reduction, nothing to shed',
      'event 7: id: Invalid input: expected string, received undefined',
      'event 8: event: Invalid input: expected object, received string',
    ]);
  });

  it('says so when the answer is not a list of events', () => {
    expect(parseEvents({ events: [] }, T0).reasons).toEqual(['events: the VTN did not answer a JSON list of events']);
  });

  it('reads the ISO 8601 durations the spec uses, and refuses months and years', () => {
    expect([isoDurationS('PT1H'), isoDurationS('PT15M'), isoDurationS('P1DT30M'), isoDurationS('PT0.5S'), isoDurationS('P1W')]).toEqual([3600, 900, 88200, 1, 604800]);
    expect([isoDurationS('P9999Y'), isoDurationS('P1M'), isoDurationS('PT'), isoDurationS('1h')]).toEqual([undefined, undefined, undefined, undefined]);
  });
});
