import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles up to its maximum, each delay jittered between half and all of its step', () => {
    const steps = (random: () => number) => {
      const b = new Backoff(200, 1000, random);
      return Array.from({ length: 5 }, () => b.delay());
    };
    expect(steps(() => 0)).toEqual([100, 200, 400, 500, 500]);
    expect(steps(() => 1)).toEqual([200, 400, 800, 1000, 1000]);
  });

  it('spreads a fleet: agents that failed together do not retry at the same instant', () => {
    const firsts = new Set(Array.from({ length: 50 }, () => new Backoff(200, 5000).delay()));
    expect(firsts.size).toBeGreaterThan(10);
    for (const d of firsts) expect(d).toBeGreaterThanOrEqual(100);
  });

  it('starts again from its minimum after reset()', () => {
    const b = new Backoff(200, 5000, () => 1);
    b.delay();
    b.delay();
    b.reset();
    expect(b.delay()).toBe(200);
  });
});
