/**
 * Runs tasks one at a time, in order. Every change to the scheduler's state goes
 * through one of these, so a plan is committed against exactly the state it saw.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
