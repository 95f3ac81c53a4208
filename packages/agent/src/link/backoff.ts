import { setTimeout as sleep } from 'node:timers/promises';

/** Retry delays: 200 ms doubling to 5 s; reset() after a success. */
export class Backoff {
  static readonly MIN_MS = 200;
  static readonly MAX_MS = 5000;
  private next = Backoff.MIN_MS;

  delay(): number {
    const d = this.next;
    this.next = Math.min(d * 2, Backoff.MAX_MS);
    return d;
  }

  reset(): void {
    this.next = Backoff.MIN_MS;
  }

  /** Waits the next delay; resolves early (false) when `signal` aborts. */
  async wait(signal: AbortSignal): Promise<boolean> {
    try {
      await sleep(this.delay(), undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }
}
