// A workload in memory, ready to replay: groups, tasks, and each task's script of
// operations packed into flat typed arrays (so the engine walks them without allocating).
// Built by scenario generators, the trace reader and the importers through
// WorkloadBuilder; turned back into trace lines by trace-writer.ts.
import type { GroupKind } from './trace-format.js';

/** Operation codes of a task script (one per trace event type). */
export const Op = {
  /** Needs `arg` ns of CPU. */
  RUN: 0,
  /** Blocks for `arg` ns. */
  SLEEP: 1,
  /** A request arrives at absolute time `arg`; blocks until then if early. */
  REQUEST: 2,
  /** The current request is answered. */
  DONE: 3,
  /** Exits. */
  EXIT: 4,
  /**
   * Takes the next request of its group's shared queue (Workload.arrivalsNs): one that has
   * arrived and no other task took, or else the next to arrive, blocking until then.
   * Request latency runs from the request's arrival to the next DONE.
   */
  TAKE: 5,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

export interface WorkloadGroup {
  name: string;
  cgroupId: number;
  kind: GroupKind;
  /** null = no SLO configured (the scheduler's defaults apply). */
  slo: { budgetNs: number; importance: number } | null;
  description?: string;
  /**
   * Its tasks are not in a cgroup of their own but in the root cgroup (the trace
   * importer's catch-all "other", and every group grouped by comm alone). Only the eevdf
   * baseline's cgroup hierarchy reads it; absent = a cgroup of its own.
   */
  inRootCgroup?: boolean;
  /**
   * The cgroup's cpu.weight (cgroup v2, 1..10000); absent = 100, the kernel's default.
   * Only the eevdf baseline's cgroup hierarchy reads it.
   */
  cpuWeight?: number;
}

/** cgroup v2's default cpu.weight, and the bounds of the file. */
export const CPU_WEIGHT_DEFAULT = 100;
export const CPU_WEIGHT_MIN = 1;
export const CPU_WEIGHT_MAX = 10000;

export interface WorkloadTask {
  /** Trace task id. */
  id: number;
  pid: number;
  tgid: number;
  /** Index into Workload.groups. */
  group: number;
  comm: string;
  startNs: number;
  weight: number;
  /** This task's ops are opKind/opArg[opStart, opEnd). */
  opStart: number;
  opEnd: number;
}

export interface Workload {
  name: string;
  source: string;
  cpus: number;
  durationNs: number;
  seed?: number;
  groups: WorkloadGroup[];
  tasks: WorkloadTask[];
  opKind: Uint8Array;
  opArg: Float64Array;
  /**
   * Per group, the arrival times (ns, ascending) of the requests its shared queue gets,
   * taken by its tasks' TAKE ops; absent, or null for a group, when it has none.
   */
  arrivalsNs?: (Float64Array | null)[];
}

/** A growable list of (op, arg) pairs for one task. */
class OpList {
  kinds: number[] = [];
  args: number[] = [];
}

/** Collects groups, tasks and ops in any order of tasks, then packs them. */
export class WorkloadBuilder {
  readonly groups: WorkloadGroup[] = [];
  private readonly groupIndex = new Map<string, number>();
  private readonly tasks: Omit<WorkloadTask, 'opStart' | 'opEnd'>[] = [];
  private readonly taskIndex = new Map<number, number>();
  private readonly ops: OpList[] = [];
  private readonly pidsUsed = new Set<number>();
  private maxPid = 0;
  /** Per group index, the arrivals of its shared request queue, in any order. */
  private readonly arrivals = new Map<number, number[]>();
  /** Warnings about things the builder adjusted (duplicate pids). */
  readonly warnings: string[] = [];

  constructor(
    readonly name: string,
    readonly source: string,
    readonly cpus: number,
    readonly durationNs: number,
    readonly seed?: number,
  ) {}

  /** Adds a group; returns its index. Names and cgroup ids must be unique. */
  addGroup(group: WorkloadGroup): number {
    if (this.groupIndex.has(group.name)) throw new Error(`group ${JSON.stringify(group.name)} defined twice`);
    if (this.groups.some((g) => g.cgroupId === group.cgroupId)) {
      throw new Error(`group ${JSON.stringify(group.name)}: cgroup id ${group.cgroupId} already used by another group`);
    }
    this.groupIndex.set(group.name, this.groups.length);
    this.groups.push(group);
    return this.groups.length - 1;
  }

  groupByName(name: string): number | undefined {
    return this.groupIndex.get(name);
  }

  hasTask(id: number): boolean {
    return this.taskIndex.has(id);
  }

  /**
   * Adds a task; returns its index. A pid already used by another task is replaced by a
   * fresh one (with a warning), so the policy never sees two live tasks with one pid.
   */
  addTask(task: { id: number; pid?: number; tgid?: number; group: number; comm?: string; startNs: number; weight?: number }): number {
    if (this.taskIndex.has(task.id)) throw new Error(`task ${task.id} defined twice`);
    let pid = task.pid ?? task.id;
    if (this.pidsUsed.has(pid)) {
      const fresh = this.maxPid + 1;
      this.warnings.push(`task ${task.id}: pid ${pid} already used by another task, replayed as pid ${fresh}`);
      pid = fresh;
    }
    this.pidsUsed.add(pid);
    if (pid > this.maxPid) this.maxPid = pid;
    const index = this.tasks.length;
    this.tasks.push({
      id: task.id,
      pid,
      tgid: task.tgid ?? pid,
      group: task.group,
      comm: task.comm ?? `task-${task.id}`,
      startNs: task.startNs,
      weight: task.weight ?? 100,
    });
    this.taskIndex.set(task.id, index);
    this.ops.push(new OpList());
    return index;
  }

  /** Index of the task with trace id `id`, or undefined. */
  taskById(id: number): number | undefined {
    return this.taskIndex.get(id);
  }

  /** Appends an op to task `index` (an index returned by addTask). */
  op(index: number, kind: OpCode, arg = 0): void {
    const list = this.ops[index]!;
    list.kinds.push(kind);
    list.args.push(arg);
  }

  /** A request arrives at group `group`'s shared queue at `atNs` (taken by a TAKE op). */
  arrival(group: number, atNs: number): void {
    let list = this.arrivals.get(group);
    if (list === undefined) this.arrivals.set(group, (list = []));
    list.push(atNs);
  }

  /** Number of ops so far for task `index`. */
  opCount(index: number): number {
    return this.ops[index]!.kinds.length;
  }

  build(): Workload {
    let total = 0;
    for (const list of this.ops) total += list.kinds.length;
    const opKind = new Uint8Array(total);
    const opArg = new Float64Array(total);
    const tasks: WorkloadTask[] = [];
    let at = 0;
    for (let i = 0; i < this.tasks.length; i++) {
      const list = this.ops[i]!;
      const start = at;
      for (let j = 0; j < list.kinds.length; j++) {
        opKind[at] = list.kinds[j]!;
        opArg[at] = list.args[j]!;
        at++;
      }
      tasks.push({ ...this.tasks[i]!, opStart: start, opEnd: at });
    }
    const workload: Workload = {
      name: this.name,
      source: this.source,
      cpus: this.cpus,
      durationNs: this.durationNs,
      groups: this.groups.slice(),
      tasks,
      opKind,
      opArg,
    };
    if (this.seed !== undefined) workload.seed = this.seed;
    if (this.arrivals.size > 0) {
      workload.arrivalsNs = this.groups.map((_, g) => {
        const list = this.arrivals.get(g);
        return list === undefined ? null : Float64Array.from(list).sort();
      });
    }
    return workload;
  }
}
