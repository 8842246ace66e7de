// A binary min-heap of task indices ordered by (key[task], order[task]), both read from
// Float64Arrays the engine owns: the simulator's model of a kernel dispatch queue
// ordered by vtime (SLO_DSQ_EDF by deadline, SLO_DSQ_USER by the policy's key). Written
// out rather than built on heap-js so the comparison inlines (no comparator calls) on
// the engine's hottest queue operations; heap-js keeps the event queue.

export class TaskHeap {
  private items: Int32Array;
  private count = 0;

  constructor(
    private readonly key: Float64Array,
    private readonly order: Float64Array,
    capacity = 64,
  ) {
    this.items = new Int32Array(Math.max(1, capacity));
  }

  get length(): number {
    return this.count;
  }

  private less(a: number, b: number): boolean {
    const ka = this.key[a]!;
    const kb = this.key[b]!;
    return ka < kb || (ka === kb && this.order[a]! < this.order[b]!);
  }

  add(task: number): void {
    if (this.count === this.items.length) {
      const bigger = new Int32Array(this.items.length * 2);
      bigger.set(this.items);
      this.items = bigger;
    }
    const items = this.items;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!this.less(task, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = task;
  }

  /** Removes and returns the first task; -1 when empty. */
  pop(): number {
    if (this.count === 0) return -1;
    const items = this.items;
    const top = items[0]!;
    const last = items[--this.count]!;
    const n = this.count;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && this.less(items[right]!, items[child]!)) child = right;
      if (!this.less(items[child]!, last)) break;
      items[i] = items[child]!;
      i = child;
    }
    if (n > 0) items[i] = last;
    return top;
  }
}
