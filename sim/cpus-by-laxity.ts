// Which CPUs run tasks of which group, ordered by the groups' SLO laxity, for the
// preemption victim choice (kick_for() in bpf/scx_slo.bpf.c: the CPU running the task
// with the largest laxity, if larger than the urgent task's). Groups are few and fixed,
// so each group keeps a stack of its CPUs: moving a CPU is O(1) and finding the victim
// walks the groups from the laxest down. Among CPUs running equally lax tasks the victim
// is the one that started its task last (the kernel takes the lowest-numbered one; the
// difference only changes which of several equal batch tasks is preempted).

export class CpusByLaxity {
  /** Group indices, largest laxity first. */
  private readonly order: Int32Array;
  private readonly members: Int32Array[];
  private readonly count: Int32Array;
  private readonly cpuGroup: Int32Array;
  private readonly cpuSlot: Int32Array;

  constructor(
    cpus: number,
    private readonly laxity: Float64Array,
  ) {
    const groups = laxity.length;
    this.order = Int32Array.from({ length: groups }, (_, i) => i).sort((a, b) => laxity[b]! - laxity[a]! || a - b);
    this.members = Array.from({ length: groups }, () => new Int32Array(cpus));
    this.count = new Int32Array(groups);
    this.cpuGroup = new Int32Array(cpus).fill(-1);
    this.cpuSlot = new Int32Array(cpus);
  }

  /** CPU c now runs a task of group g. */
  set(c: number, g: number): void {
    if (this.cpuGroup[c] === g) return;
    this.clear(c);
    const slot = this.count[g]!++;
    this.members[g]![slot] = c;
    this.cpuGroup[c] = g;
    this.cpuSlot[c] = slot;
  }

  /** CPU c runs nothing. */
  clear(c: number): void {
    const g = this.cpuGroup[c]!;
    if (g < 0) return;
    const list = this.members[g]!;
    const slot = this.cpuSlot[c]!;
    const last = list[--this.count[g]!]!;
    list[slot] = last;
    this.cpuSlot[last] = slot;
    this.cpuGroup[c] = -1;
  }

  /** A CPU running a task laxer than `laxityNs`, the laxest such; -1 when none. */
  victim(laxityNs: number): number {
    for (let i = 0; i < this.order.length; i++) {
      const g = this.order[i]!;
      if (!(this.laxity[g]! > laxityNs)) return -1;
      const n = this.count[g]!;
      if (n > 0) return this.members[g]![n - 1]!;
    }
    return -1;
  }
}
