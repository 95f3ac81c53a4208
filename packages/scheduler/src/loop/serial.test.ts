import { describe, expect, it } from 'vitest';
import { SerialQueue } from './serial.js';

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('SerialQueue', () => {
  it('runs tasks one at a time in order, a failing one not stopping the next', async () => {
    const q = new SerialQueue();
    const seen: number[] = [];
    const results = await Promise.allSettled([
      q.run(async () => {
        await new Promise((r) => setTimeout(r, 20));
        seen.push(1);
      }),
      q.run(() => {
        throw new Error('no');
      }),
      q.run(() => seen.push(3)),
    ]);
    expect(seen).toEqual([1, 3]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('lets the event loop turn during a long burst of synchronous tasks (a timer is not held up until the burst ends)', async () => {
    const q = new SerialQueue();
    const ran: number[] = [];
    let ranWhenTimerFired: number | undefined;
    setTimeout(() => (ranWhenTimerFired = ran.length), 0);
    // 400 tasks of 2 ms: 800 ms of work queued at once, as a fleet's reports after a pause.
    await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        q.run(() => {
          busy(2);
          ran.push(i);
        }),
      ),
    );
    expect(ran).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(ranWhenTimerFired).toBeGreaterThan(0);
    expect(ranWhenTimerFired).toBeLessThan(400);
  });
});
