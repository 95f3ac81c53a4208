/** What runs one flush at a time: the scheduler's serial queue, or a limit of one. */
export interface OneAtATime {
  run(task: () => Promise<void>): Promise<unknown>;
}

/**
 * Group commit (as databases do for their log): what arrives while one turn of the serial
 * queue waits or runs is taken together in the next turn, so a burst of submits or job
 * events costs one turn and one round of concurrent store writes rather than one KV
 * round-trip each, one after the other (and an agent's events that arrive while one
 * publish waits go out in one message). `apply` settles each item on its own: one bad
 * item fails only its own caller.
 */
export class GroupCommit<T, R> {
  private waiting: Array<{ item: T; resolve: (r: R) => void; reject: (err: unknown) => void }> = [];

  constructor(
    private readonly serial: OneAtATime,
    private readonly apply: (items: T[]) => Promise<PromiseSettledResult<R>[]>,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.waiting.length === 1) void this.serial.run(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    const taken = this.waiting;
    this.waiting = [];
    let results: PromiseSettledResult<R>[];
    try {
      results = await this.apply(taken.map((t) => t.item));
    } catch (err) {
      for (const t of taken) t.reject(err);
      return;
    }
    taken.forEach((t, i) => {
      const r = results[i]!;
      if (r.status === 'fulfilled') t.resolve(r.value);
      else t.reject(r.reason);
    });
  }
}

/** A promise's outcome as Promise.allSettled gives it, for one promise. */
export function settled<R>(p: Promise<R>): Promise<PromiseSettledResult<R>> {
  return p.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );
}

/** A function's outcome as a settled result: what it returned, or what it threw. */
export function settledNow<R>(fn: () => R): PromiseSettledResult<R> {
  try {
    return { status: 'fulfilled', value: fn() };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}
