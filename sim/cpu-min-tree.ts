// One timer per simulated CPU, kept so that the earliest is found at once: a tournament
// tree over the CPUs (the simulator core's CPU timers, sim-core.ts). Re-armed in place,
// so a preemption or a re-armed timer leaves no stale event behind.

/**
 * One number per CPU in a tournament tree: node i holds the CPU with the smallest value
 * below it, so the minimum is at the root and changing one CPU's value costs log2(cpus)
 * steps. Ties go to the lower CPU; in a `ranked` tree to the smaller `order` first (each
 * CPU's tie-break rank, set with setRanked(); by default -cpus + c, the CPU order).
 */
export class CpuMinTree {
  /** Each CPU's value (index `cpus` is a sentinel that never wins). */
  readonly value: Float64Array;
  /** Each CPU's tie-break rank (smaller wins among equal values). */
  readonly order: Float64Array;
  /** Node i's winning value and CPU; leaves at [leaves, 2 * leaves), siblings adjacent. */
  private readonly nodeValue: Float64Array;
  private readonly nodeCpu: Int32Array;
  private readonly leaves: number;

  constructor(
    cpus: number,
    initial: number,
    private readonly ranked = false,
  ) {
    let leaves = 1;
    while (leaves < cpus) leaves <<= 1;
    this.leaves = leaves;
    this.value = new Float64Array(cpus + 1).fill(initial);
    this.value[cpus] = Infinity;
    this.order = new Float64Array(cpus + 1);
    for (let c = 0; c < cpus; c++) this.order[c] = c - cpus;
    this.order[cpus] = Infinity;
    this.nodeValue = new Float64Array(2 * leaves).fill(Infinity);
    this.nodeCpu = new Int32Array(2 * leaves).fill(cpus);
    for (let c = 0; c < cpus; c++) {
      this.nodeValue[leaves + c] = initial;
      this.nodeCpu[leaves + c] = c;
    }
    for (let i = leaves - 1; i >= 1; i--) {
      const l = 2 * i;
      const left = this.leftWins(l);
      this.nodeValue[i] = left ? this.nodeValue[l]! : this.nodeValue[l + 1]!;
      this.nodeCpu[i] = left ? this.nodeCpu[l]! : this.nodeCpu[l + 1]!;
    }
  }

  /** The CPU with the smallest value (value[min()] is Infinity when no CPU has one). */
  min(): number {
    return this.nodeCpu[1]!;
  }

  /** Sets CPU c's value, keeping its tie-break rank. */
  set(c: number, v: number): void {
    this.update(c, v);
  }

  /** Sets CPU c's value and its tie-break rank (a ranked tree only). */
  setRanked(c: number, v: number, order: number): void {
    if (!this.ranked) throw new Error('CpuMinTree.setRanked() on a tree built without ranks');
    this.order[c] = order;
    this.updateRanked(c, v);
  }

  private leftWins(l: number): boolean {
    const vl = this.nodeValue[l]!;
    const vr = this.nodeValue[l + 1]!;
    return vl < vr || (vl === vr && this.order[this.nodeCpu[l]!]! <= this.order[this.nodeCpu[l + 1]!]!);
  }

  private update(c: number, v: number): void {
    if (this.ranked) {
      this.updateRanked(c, v);
      return;
    }
    // Ranks are the CPU order: the left (lower) side wins ties.
    this.value[c] = v;
    const nodeValue = this.nodeValue;
    const nodeCpu = this.nodeCpu;
    let i = this.leaves + c;
    nodeValue[i] = v;
    while (i > 1) {
      const l = i & ~1;
      const parent = i >> 1;
      const vl = nodeValue[l]!;
      const vr = nodeValue[l + 1]!;
      const wv = vl <= vr ? vl : vr;
      const wc = vl <= vr ? nodeCpu[l]! : nodeCpu[l + 1]!;
      // Nothing above changes once a node keeps its winner and value.
      if (nodeValue[parent] === wv && nodeCpu[parent] === wc) return;
      nodeValue[parent] = wv;
      nodeCpu[parent] = wc;
      i = parent;
    }
  }

  private updateRanked(c: number, v: number): void {
    this.value[c] = v;
    const nodeValue = this.nodeValue;
    const nodeCpu = this.nodeCpu;
    const order = this.order;
    let i = this.leaves + c;
    nodeValue[i] = v;
    while (i > 1) {
      const l = i & ~1;
      const parent = i >> 1;
      const vl = nodeValue[l]!;
      const vr = nodeValue[l + 1]!;
      const cl = nodeCpu[l]!;
      const cr = nodeCpu[l + 1]!;
      const left = vl < vr || (vl === vr && order[cl]! <= order[cr]!);
      const wv = left ? vl : vr;
      const wc = left ? cl : cr;
      // Nothing above changes once a node keeps its winner and value, unless the winner
      // is c itself (its rank may have changed).
      if (wc !== c && nodeValue[parent] === wv && nodeCpu[parent] === wc) return;
      nodeValue[parent] = wv;
      nodeCpu[parent] = wc;
      i = parent;
    }
  }
}
