// Turns a kernel's scheduler events (sched-event.ts) into a replayable Workload: each
// task's CPU bursts (switch-in to the switch-out where it blocked, summed over
// preemptions) become `run` ops and the time from blocking to the next wake-up becomes
// `sleep` ops, so a replay reproduces what the tasks asked for, not how the recorded
// kernel scheduled them. Tasks are grouped by comm: `--group NAME=REGEX` rules (first
// match wins, the rest in "other"), or by default by comm without its numeric suffix
// (kworker/0:1 -> kworker). The wake-to-run latencies the recorded kernel gave each
// group are kept too, as a reference for the replayed policies.
import { MAX_BUDGET_NS } from '../../policy/api.js';
import { clampImportance } from '../../policy/deadline.js';
import { LatencyHistogram } from '../latency-histogram.js';
import type { GroupKind } from '../trace-format.js';
import { Op, WorkloadBuilder, type OpCode, type Workload } from '../workload.js';
import type { SchedEvent } from './sched-event.js';

export interface GroupRule {
  name: string;
  pattern: RegExp;
}

export interface ImportOptions {
  /** Workload name (default: the file's base name). */
  name: string;
  /** "ftrace" or "perf". */
  source: string;
  cpus: number;
  /** Tasks whose comm matches a rule's pattern go to its group; unmatched ones to "other". Empty: group by comm. */
  groups: readonly GroupRule[];
  /** SLOs for groups by name (others have none). */
  slos: ReadonlyMap<string, { budgetNs: number; importance: number }>;
  /** Kinds for groups by name (others: service when their tasks mostly sleep, else batch). */
  kinds: ReadonlyMap<string, GroupKind>;
}

export interface ImportResult {
  workload: Workload;
  /** Wake-up to switch-in latency the recorded kernel gave each group. */
  recordedWakeLatency: Map<string, LatencyHistogram>;
  events: number;
  /** Adjustments the builder made (reused pids). */
  warnings: string[];
}

const RUNNING = 0;
const RUNNABLE = 1;
const SLEEPING = 2;

class TrackedTask {
  state = RUNNABLE;
  runStart = 0;
  burst = 0;
  sleepStart = 0;
  /** Time of the wake-up not yet followed by a switch-in, or -1. */
  wakeNs = -1;
  exiting = false;
  ranNs = 0;
  sleptNs = 0;
  readonly ops: number[] = [];
  readonly wakeLatency = new LatencyHistogram();

  constructor(
    readonly id: number,
    readonly pid: number,
    public comm: string,
    readonly startNs: number,
  ) {}

  run(): void {
    if (this.burst > 0) {
      this.ops.push(Op.RUN, this.burst);
      this.ranNs += this.burst;
    }
    this.burst = 0;
  }

  sleep(ns: number): void {
    this.ops.push(Op.SLEEP, ns);
    this.sleptNs += ns;
  }
}

/** comm without a per-CPU or per-instance suffix: kworker/0:1 -> kworker, worker12 -> worker. */
export function commFamily(comm: string): string {
  const base = comm.replace(/\/.*$/, '').replace(/[-_:.]?\d+$/, '');
  return base === '' ? comm : base;
}

export function schedEventsToWorkload(events: readonly SchedEvent[], opts: ImportOptions): ImportResult {
  const origin = events.length > 0 ? events[0]!.ts : 0;
  const endNs = events.length > 0 ? events[events.length - 1]!.ts - origin : 0;
  const live = new Map<number, TrackedTask>();
  const all: TrackedTask[] = [];
  const cpuLastSwitch = new Map<number, number>();
  const create = (pid: number, comm: string, startNs: number): TrackedTask => {
    const t = new TrackedTask(all.length + 1, pid, comm, startNs);
    all.push(t);
    live.set(pid, t);
    return t;
  };
  const finish = (t: TrackedTask): void => {
    t.run();
    t.ops.push(Op.EXIT, 0);
    live.delete(t.pid);
  };

  for (const ev of events) {
    const ts = ev.ts - origin;
    if (ev.kind === 'switch') {
      if (ev.prevPid !== 0) {
        let t = live.get(ev.prevPid);
        if (t === undefined) {
          // Running since before the trace (or its switch-in was lost).
          t = create(ev.prevPid, ev.prevComm, cpuLastSwitch.get(ev.cpu) ?? 0);
          t.state = RUNNING;
          t.runStart = t.startNs;
        }
        if (t.state === RUNNING) t.burst += Math.max(0, ts - t.runStart);
        t.comm = ev.prevComm;
        const st = ev.prevState.charAt(0);
        // An exiting task may still block (D) after sched_process_exit: it is gone at X/Z.
        if (st === 'X' || st === 'Z') {
          finish(t);
        } else if (st === 'R') {
          t.state = RUNNABLE; // preempted: still wants the CPU
          t.wakeNs = -1;
        } else {
          t.run();
          t.state = SLEEPING;
          t.sleepStart = ts;
        }
      }
      cpuLastSwitch.set(ev.cpu, ts);
      if (ev.nextPid !== 0) {
        let t = live.get(ev.nextPid);
        if (t === undefined) t = create(ev.nextPid, ev.nextComm, ts);
        if (t.state === SLEEPING) t.sleep(ts - t.sleepStart); // its wake-up was not recorded
        if (t.wakeNs >= 0) t.wakeLatency.record(ts - t.wakeNs);
        t.wakeNs = -1;
        t.state = RUNNING;
        t.runStart = ts;
        t.comm = ev.nextComm;
      }
    } else if (ev.kind === 'wakeup') {
      if (ev.pid === 0) continue;
      const t = live.get(ev.pid);
      if (t === undefined) {
        const fresh = create(ev.pid, ev.comm, ts);
        fresh.wakeNs = ts;
      } else if (t.state === SLEEPING) {
        t.sleep(ts - t.sleepStart);
        t.state = RUNNABLE;
        t.wakeNs = ts;
      }
    } else {
      const t = live.get(ev.pid);
      if (t !== undefined) t.exiting = true;
    }
  }
  // End of the trace: close what is still open.
  for (const t of live.values()) {
    if (t.state === RUNNING) t.burst += Math.max(0, endNs - t.runStart);
    if (t.exiting) {
      t.run();
      t.ops.push(Op.EXIT, 0);
    } else if (t.state === SLEEPING) {
      t.sleep(Math.max(0, endNs - t.sleepStart));
    } else {
      t.run();
    }
  }

  // Groups.
  const groupOf = (comm: string): string => {
    if (opts.groups.length === 0) return commFamily(comm);
    for (const rule of opts.groups) if (rule.pattern.test(comm)) return rule.name;
    return 'other';
  };
  const members = new Map<string, TrackedTask[]>();
  for (const t of all) {
    if (t.ops.length === 0) continue;
    const g = groupOf(t.comm);
    const list = members.get(g);
    if (list) list.push(t);
    else members.set(g, [t]);
  }
  const cpuOf = (list: TrackedTask[]): number => list.reduce((s, t) => s + t.ranNs, 0);
  const names = [...members.keys()].sort((a, b) => cpuOf(members.get(b)!) - cpuOf(members.get(a)!) || a.localeCompare(b));

  const b = new WorkloadBuilder(opts.name, opts.source, opts.cpus, Math.max(1, endNs));
  const recorded = new Map<string, LatencyHistogram>();
  names.forEach((name, i) => {
    const list = members.get(name)!;
    const slept = list.reduce((s, t) => s + t.sleptNs, 0);
    const kind: GroupKind = opts.kinds.get(name) ?? (slept > cpuOf(list) ? 'service' : 'batch');
    const slo = opts.slos.get(name);
    const rule = opts.groups.find((r) => r.name === name);
    const group = b.addGroup({
      name,
      cgroupId: 1000 + i,
      kind,
      slo: slo === undefined ? null : { budgetNs: Math.min(MAX_BUDGET_NS, Math.max(1, slo.budgetNs)), importance: clampImportance(slo.importance) },
      description: rule ? `comm matches /${rule.pattern.source}/` : opts.groups.length > 0 ? 'tasks matching no --group rule' : `comm family ${name}`,
      // Only --group rules name cgroups; the rest of the system is taken to be in the root.
      ...(rule ? {} : { inRootCgroup: true }),
    });
    const hist = new LatencyHistogram();
    for (const t of list) {
      const index = b.addTask({ id: t.id, pid: t.pid, tgid: t.pid, group, comm: t.comm, startNs: t.startNs });
      for (let j = 0; j < t.ops.length; j += 2) b.op(index, t.ops[j] as OpCode, t.ops[j + 1]!);
      hist.merge(t.wakeLatency);
    }
    recorded.set(name, hist);
  });
  if (names.length === 0) b.addGroup({ name: 'other', cgroupId: 1000, kind: 'batch', slo: null });
  return { workload: b.build(), recordedWakeLatency: recorded, events: events.length, warnings: b.warnings };
}
