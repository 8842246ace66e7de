// Types of the scx-slo workload trace format, versions 1 and 2 (documented in TRACE_FORMAT.md):
// JSON Lines, one header line (version, machine, groups), then `task` lines and task
// event lines. These are the shapes on disk (snake_case, as in the file); the reader
// turns them into a Workload (workload.ts), the writer turns a Workload back into them.

export const TRACE_FORMAT = 'scx-slo-trace' as const;
/** The newest version: 2 added shared request queues (`arrival` lines, `take` events). */
export const TRACE_FORMAT_VERSION = 2 as const;
/** The versions this reader accepts; a writer writes 1 unless the workload needs 2. */
export const TRACE_FORMAT_VERSIONS = [1, 2] as const;
export type TraceFormatVersion = (typeof TRACE_FORMAT_VERSIONS)[number];

/** What kind of workload a group is: latency-sensitive requests, or throughput work. */
export type GroupKind = 'service' | 'batch';

/** A group's SLO as written in the trace. */
export interface TraceSlo {
  /** Latency budget, ns (1 .. 3_600_000_000_000). */
  budget_ns: number;
  /** Importance 1 (least) .. 100 (most). */
  importance: number;
}

/** A workload group: one cgroup, with or without an SLO. */
export interface TraceGroup {
  /** Unique name, used in reports. */
  name: string;
  /** cgroup v2 id (positive integer, unique in the trace). */
  cgroup_id: number;
  kind: GroupKind;
  /** The SLO, or null for "no SLO" (the scheduler's default budget and importance apply). */
  slo: TraceSlo | null;
  /** Free-form note (e.g. how the group was matched when imported). Optional. */
  description?: string;
  /** The cgroup's cpu.weight, 1..10000 (read by the eevdf baseline only). Optional, default 100. */
  cpu_weight?: number;
}

/** Line 1 of a trace file. */
export interface TraceHeader {
  format: typeof TRACE_FORMAT;
  version: TraceFormatVersion;
  /** Scenario or trace name. */
  name: string;
  /** Where it came from: "generated", "ftrace", "perf", or free text. */
  source: string;
  /** CPUs the workload is meant for (the replay's default --cpus). */
  cpus: number;
  /** Length of the workload, ns (the replay's default duration). */
  duration_ns: number;
  /** Generator seed, when generated. Optional. */
  seed?: number;
  groups: TraceGroup[];
}

/** A task (thread) line: declares a task before its events. */
export interface TraceTask {
  type: 'task';
  /** Unique task id within the trace; event lines refer to it. */
  id: number;
  /** Thread id shown to the policy (TaskRecord.pid); defaults to `id`. */
  pid?: number;
  /** Process id (TaskRecord.tgid); defaults to `pid`. */
  tgid?: number;
  /** Name of the group the task belongs to. */
  group: string;
  /** Command name, informational. */
  comm?: string;
  /** When the task first becomes runnable, ns from the start of the trace. */
  start_ns: number;
  /** Scheduling weight, 1..10000, 100 = nice 0. Default 100. */
  weight?: number;
}

/** The task needs `ns` of CPU time before its next event. */
export interface TraceRun {
  type: 'run';
  task: number;
  ns: number;
}

/** The task sleeps (blocks) for `ns` after its previous run, then wakes up. */
export interface TraceSleep {
  type: 'sleep';
  task: number;
  ns: number;
}

/**
 * A request reaches the task at absolute time `at_ns`. If the task gets here earlier it
 * sleeps until then (and wakes up at `at_ns`); if later, the request has been waiting.
 * Request latency runs from `at_ns` to the task's next `done`.
 */
export interface TraceRequest {
  type: 'request';
  task: number;
  at_ns: number;
}

/**
 * The task takes the next request of its group's shared queue (the `arrival` lines of its
 * group): one that arrived and no task took yet, else the next to arrive, sleeping until
 * then (tasks that wait are served in the order they started waiting). Request latency
 * runs from that request's `at_ns` to the task's next `done`.
 */
export interface TraceTake {
  type: 'take';
  task: number;
}

/** A request reaches group `group`'s shared queue at absolute time `at_ns` (taken by `take`). */
export interface TraceArrival {
  type: 'arrival';
  group: string;
  at_ns: number;
}

/** The current request is answered (request latency ends here). */
export interface TraceDone {
  type: 'done';
  task: number;
}

/** The task exits (also implied after its last event). */
export interface TraceExit {
  type: 'exit';
  task: number;
}

export type TraceEvent = TraceRun | TraceSleep | TraceRequest | TraceTake | TraceDone | TraceExit;
export type TraceLine = TraceTask | TraceArrival | TraceEvent;
