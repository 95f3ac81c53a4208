import { describe, expect, it } from 'vitest';
import { capAheadAt, capAtW, capChanges, planningLeadS, type CapEvent } from './cap-schedule.js';

const BASE = 18e6;
// A drop to 12 MW from 1000 to 1600, announced 300 ahead; one to 9 MW from 1400 to 2000, announced at once.
const announced: CapEvent = { start: 1000, end: 1600, capW: 12e6, notice: 300 };
const sudden: CapEvent = { start: 1400, end: 2000, capW: 9e6, notice: 0 };
// The live loop's events carry no notice: they count the whole lead ahead.
const live: CapEvent = { start: 1000, end: 1600, capW: 12e6 };

describe('planningLeadS', () => {
  it.each([
    [0, 60],
    [120, 180],
    [600, 660],
  ])('grace %i s -> lead %i s', (grace, lead) => expect(planningLeadS(grace)).toBe(lead));
});

describe('capAtW', () => {
  it.each<[string, CapEvent[], number, number, number]>([
    ['no events: the base cap', [], 5000, 0, BASE],
    ['before the event', [announced], 999, 0, BASE],
    ['at its start', [announced], 1000, 0, 12e6],
    ['at its end it is over', [announced], 1600, 0, BASE],
    ['lead 200 < notice 300: counts from 800', [announced], 800, 200, 12e6],
    ['lead 200: not yet at 799', [announced], 799, 200, BASE],
    ['lead 600 > notice 300: counts from 700 only', [announced], 700, 600, 12e6],
    ['lead 600 > notice 300: not at 699', [announced], 699, 600, BASE],
    ['no notice: no lead', [sudden], 1399, 600, BASE],
    ['no notice given (live): the whole lead, 400 ahead', [live], 600, 400, 12e6],
    ['no notice given (live): not at 599', [live], 599, 400, BASE],
    ['overlap: the lowest', [announced, sudden], 1500, 0, 9e6],
    ['an event above the base does not raise it', [{ start: 0, end: 10, capW: 20e6 }], 5, 0, BASE],
  ])('%s', (_, events, t, lead, capW) => expect(capAtW(BASE, events, t, lead)).toBe(capW));
});

describe('capChanges', () => {
  it('the facility cap: each edge where the cap in force changes', () => {
    expect(capChanges(BASE, [announced, sudden])).toEqual([
      { at: 1000, capW: 12e6 },
      { at: 1400, capW: 9e6 },
      { at: 2000, capW: BASE },
    ]);
  });

  it('the planning cap: the announced drop 300 early (its notice), the sudden one on time', () => {
    expect(capChanges(BASE, [announced, sudden], 660)).toEqual([
      { at: 700, capW: 12e6 },
      { at: 1400, capW: 9e6 },
      { at: 2000, capW: BASE },
    ]);
  });

  it('nothing before the origin: an event announced before it counts from the origin', () => {
    expect(capChanges(BASE, [{ start: 100, end: 400, capW: 6e6, notice: 300 }], 300)).toEqual([
      { at: 0, capW: 6e6 },
      { at: 400, capW: BASE },
    ]);
  });

  it('no events, or events that do not lower it: no change', () => {
    expect(capChanges(BASE, [])).toEqual([]);
    expect(capChanges(BASE, [{ start: 10, end: 20, capW: 20e6 }])).toEqual([]);
  });
});

describe('capAheadAt', () => {
  it('the next lower planning cap once announced, and when it counts', () => {
    // Announced at 700 (notice 300 before 1000): unknown before; with a 660 lead it counts at once.
    expect(capAheadAt(BASE, [announced, sudden], 650, 0)).toBeUndefined();
    expect(capAheadAt(BASE, [announced, sudden], 750, 0)).toEqual({ at: 1000, capW: 12e6 });
    expect(capAheadAt(BASE, [announced, sudden], 750, 60)).toEqual({ at: 940, capW: 12e6 });
    expect(capAheadAt(BASE, [announced, sudden], 750, 660)).toBeUndefined();
    // Once it counts, it is the cap, not ahead; the sudden one is known only when it starts.
    expect(capAheadAt(BASE, [announced, sudden], 1000, 0)).toBeUndefined();
    expect(capAheadAt(BASE, [live], 0, 60)).toEqual({ at: 940, capW: 12e6 });
    expect(capAheadAt(BASE, [{ start: 10, end: 20, capW: 20e6 }], 0)).toBeUndefined();
  });
});
