// The preemption victim index: each CPU's current deadline (cpu_ctx.cur_deadline in
// bpf/scx_slo.bpf.c), the absolute deadline of the job its task is running, and which CPU
// has the latest. queue_kernel() preempts that CPU when its deadline is later than the urgent
// task's; among equal deadlines it takes the lowest-numbered CPU, and so does this index.
// An idle CPU, or one between two tasks, has none (cur_deadline = 0 in the kernel: never
// a victim).
//
// Two levels: the CPUs in blocks of about sqrt(cpus) (8 for 64 CPUs), each block keeping
// its latest deadline and that CPU. The engine sets a CPU's deadline on every task start
// and asks for the victim on every urgent wake-up that finds no idle CPU, about half as
// often; a set is O(1) unless it lowers its block's latest (then the block is rescanned),
// and the victim is a scan of the block maxima. On noisy-neighbour with 64 CPUs that is
// cheaper than a tournament tree, whose every set climbs log2(cpus) levels: a new job
// usually has the latest deadline of all, and the victim's CPU the earliest next.

export class CpusByDeadline {
  /** Each CPU's current deadline; -Infinity = none. */
  private readonly key: Float64Array;
  /** Per block: its latest deadline, and the lowest-numbered CPU that has it. */
  private readonly blockMax: Float64Array;
  private readonly blockArg: Int32Array;
  private readonly shift: number;
  private readonly cpus: number;

  constructor(cpus: number) {
    let size = 1;
    while (size * size < cpus) size <<= 1;
    this.shift = Math.log2(size);
    this.cpus = cpus;
    const blocks = Math.ceil(cpus / size);
    this.key = new Float64Array(cpus).fill(-Infinity);
    this.blockMax = new Float64Array(blocks).fill(-Infinity);
    this.blockArg = Int32Array.from({ length: blocks }, (_, b) => b * size);
  }

  /** CPU c now runs a job whose deadline is `deadlineNs`. */
  set(c: number, deadlineNs: number): void {
    this.key[c] = deadlineNs;
    const b = c >> this.shift;
    const max = this.blockMax[b]!;
    const arg = this.blockArg[b]!;
    if (deadlineNs > max || (deadlineNs === max && c < arg)) {
      this.blockMax[b] = deadlineNs;
      this.blockArg[b] = c;
    } else if (arg === c) {
      this.rescan(b);
    }
  }

  /** CPU c runs nothing (idle, or between two tasks). */
  clear(c: number): void {
    if (this.key[c] !== -Infinity) this.set(c, -Infinity);
  }

  /** CPU c's current deadline, or -Infinity when it has none. */
  deadline(c: number): number {
    return this.key[c]!;
  }

  /** The CPU with the latest deadline if that is later than `deadlineNs` (lowest-numbered on ties); -1 when none. */
  victim(deadlineNs: number): number {
    const blockMax = this.blockMax;
    let best = 0;
    let max = blockMax[0]!;
    for (let b = 1; b < blockMax.length; b++) {
      const m = blockMax[b]!;
      if (m > max) {
        max = m;
        best = b;
      }
    }
    return max > deadlineNs ? this.blockArg[best]! : -1;
  }

  private rescan(b: number): void {
    const key = this.key;
    const lo = b << this.shift;
    const hi = Math.min(this.cpus, lo + (1 << this.shift));
    let arg = lo;
    let max = key[lo]!;
    for (let c = lo + 1; c < hi; c++) {
      if (key[c]! > max) {
        max = key[c]!;
        arg = c;
      }
    }
    this.blockMax[b] = max;
    this.blockArg[b] = arg;
  }
}
