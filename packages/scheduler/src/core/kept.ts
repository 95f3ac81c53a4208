/**
 * What the core keeps between passes for a driver that keeps its objects (the
 * simulator's node views and running list): kept from the second pass over the same
 * object on. A driver whose snapshots are new every pass (the live loop) leaves nothing
 * behind: holding every fresh snapshot's state until the GC clears it cost more than
 * building it.
 */
export class Kept<K extends object, V> {
  private readonly once = new WeakSet<K>();
  private readonly kept = new WeakMap<K, V>();

  get(key: K): V | undefined {
    return this.kept.get(key);
  }

  set(key: K, value: V): void {
    if (this.once.has(key)) this.kept.set(key, value);
    else this.once.add(key);
  }
}
