/** A binary min-heap of (time, job) pairs in typed arrays: the completion calendar. */
export class EventHeap {
  private keys = new Float64Array(1024);
  private vals = new Int32Array(1024);
  private tags = new Int32Array(1024);
  size = 0;

  push(key: number, val: number, tag: number): void {
    if (this.size === this.keys.length) this.grow();
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.keys[parent]! <= key) break;
      this.keys[i] = this.keys[parent]!;
      this.vals[i] = this.vals[parent]!;
      this.tags[i] = this.tags[parent]!;
      i = parent;
    }
    this.keys[i] = key;
    this.vals[i] = val;
    this.tags[i] = tag;
  }

  peekKey(): number {
    return this.size > 0 ? this.keys[0]! : Infinity;
  }
  peekVal(): number {
    return this.vals[0]!;
  }
  peekTag(): number {
    return this.tags[0]!;
  }

  pop(): void {
    const last = --this.size;
    if (last <= 0) return;
    const key = this.keys[last]!;
    const val = this.vals[last]!;
    const tag = this.tags[last]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && this.keys[child + 1]! < this.keys[child]!) child++;
      if (this.keys[child]! >= key) break;
      this.keys[i] = this.keys[child]!;
      this.vals[i] = this.vals[child]!;
      this.tags[i] = this.tags[child]!;
      i = child;
    }
    this.keys[i] = key;
    this.vals[i] = val;
    this.tags[i] = tag;
  }

  private grow(): void {
    const n = this.keys.length * 2;
    const k = new Float64Array(n);
    const v = new Int32Array(n);
    const t = new Int32Array(n);
    k.set(this.keys);
    v.set(this.vals);
    t.set(this.tags);
    [this.keys, this.vals, this.tags] = [k, v, t];
  }
}
