import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retry delays that double from `minMs` to `maxMs` (by default 200 ms to 5 s: the agent's
 * links); reset() after a success. One mechanism for every retry loop of the project.
 * Each delay is jittered to between half and all of its step ("equal jitter"): a fleet of
 * agents that lost the scheduler together must not come back in lock-step.
 */
export class Backoff {
  static readonly MIN_MS = 200;
  static readonly MAX_MS = 5000;
  private next: number;

  constructor(
    private readonly minMs = Backoff.MIN_MS,
    private readonly maxMs = Backoff.MAX_MS,
    private readonly random: () => number = Math.random,
  ) {
    this.next = minMs;
  }

  delay(): number {
    const d = this.next;
    this.next = Math.min(d * 2, this.maxMs);
    return Math.round(d / 2 + (this.random() * d) / 2);
  }

  reset(): void {
    this.next = this.minMs;
  }

  /** Waits the next delay; resolves early (false) when `signal` aborts. */
  async wait(signal?: AbortSignal): Promise<boolean> {
    try {
      await sleep(this.delay(), undefined, signal ? { signal } : undefined);
      return true;
    } catch {
      return false;
    }
  }
}
