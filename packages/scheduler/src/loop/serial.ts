import { performance } from 'node:perf_hooks';

/**
 * Tasks that run back to back without giving the event loop a turn for this long let it
 * turn before the next one. Queued tasks are a promise chain: a burst of them (a fleet's
 * reports queued behind a pass's store write) would otherwise all run in one turn,
 * while timers and sockets wait, the leader lease's refresh among them.
 */
const SLICE_MS = 50;

/**
 * Runs tasks one at a time, in order. Every change to the scheduler's state goes
 * through one of these, so a plan is committed against exactly the state it saw.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** When the tasks running since the event loop's last turn began; unset once it turned. */
  private sliceStart: number | undefined;
  private queued = 0;
  /** Tasks begun so far: a task that finds it one above what the task before it saw knows nothing ran in between. */
  private begun = 0;

  run<T>(task: () => Promise<T> | T): Promise<T> {
    this.queued++;
    const result = this.tail.then(() => this.turn()).then(() => (this.begun++, task()));
    this.tail = result.catch(() => undefined).finally(() => this.queued--);
    return result;
  }

  /** How many tasks have begun: the one running now is number started(). */
  started(): number {
    return this.begun;
  }

  busy(): boolean {
    return this.queued > 0;
  }

  /** Resolves once no task is queued or running. */
  async idle(): Promise<void> {
    while (this.queued > 0) await this.tail;
  }

  /** Before a task: note the slice's start, or yield to the event loop once the slice is used up. */
  private async turn(): Promise<void> {
    const now = performance.now();
    if (this.sliceStart === undefined) {
      this.sliceStart = now;
      setImmediate(() => (this.sliceStart = undefined));
    } else if (now - this.sliceStart > SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
