// The policy API (version 2): what a scx-slo policy module implements.
//
// A policy is a priority queue with opinions. The host (the live agent, a piscina worker,
// or the simulator) feeds it runnable-task records as the BPF scheduler sends them and
// asks it for dispatch decisions in the order it wants tasks to run. The kernel (or the
// simulator's run queue) then runs tasks in ascending `vtime`, the ordering key (a
// deadline, a virtual runtime, an arrival time: the policy chooses what the number
// means; the name is sched_ext's, whose vtime-ordered queue the kernel puts it in), for
// `sliceNs`, on whichever CPU frees up first: a policy orders tasks, the kernel places
// them (a policy sees no CPU's state, so it has no CPU to choose). A policy never sees the kernel, the ring buffers or the clock: everything it
// knows arrives in records and in the SLO table, which is why the same module runs
// unchanged inline, in a worker and in the simulator.
//
// Times are nanoseconds on the host's "policy clock" as JavaScript numbers: the agent
// uses kernel monotonic time minus an origin taken when it starts, the simulator its own
// clock from 0. Numbers are exact up to 2^53 ns (about 104 days) from that origin.

/**
 * The version of this interface; a module must export the same number. Version 2:
 * Decision.deadlineNs became `vtime`, Decision.cpu is gone, TaskRecord.deadlineNs is
 * new, PolicyModule.kernelFastPath became `urgentInKernel`, and live hosts call
 * taskExited.
 */
export const POLICY_API_VERSION = 2 as const;

// The constants below mirror SLO_* in bpf/scx_slo.h (SLO_DEFAULT_BUDGET_NS, ...). They
// are defined here, not in the agent's ABI module, because a policy may import nothing
// but policy/; agent/kernel/kernel-abi.ts lists them for the test that compiles the header.

/** Default latency budget for a workload with no SLO configured: 100 ms (SLO_DEFAULT_BUDGET_NS). */
export const DEFAULT_BUDGET_NS = 100_000_000;
/** Default importance (1..100) for a workload with no SLO configured (SLO_DEFAULT_IMPORTANCE). */
export const DEFAULT_IMPORTANCE = 50;
/** The host's default time slice: 5 ms (SLO_DEFAULT_SLICE_NS). */
export const DEFAULT_SLICE_NS = 5_000_000;
/** The shortest slice the kernel gives a task it dispatches itself: 250 us (SLO_MIN_SLICE_NS). */
export const MIN_SLICE_NS = 250_000;
/** Largest accepted budget: 1 hour. Configuration beyond it is rejected. */
export const MAX_BUDGET_NS = 3_600_000_000_000;
/** Task weight of a nice-0 task, in sched_ext's scale (p->scx.weight, 1..10000). */
export const NICE0_WEIGHT = 100;

/** Task flags carried in TaskRecord.flags (mirrors SLO_TASK_* in bpf/scx_slo.h). */
export const TaskFlags = {
  /** The task became runnable by a wake-up (rather than a preemption or slice expiry). */
  WAKEUP: 1 << 0,
  /** The task's last slice expired while it was still runnable. */
  SLICE_EXPIRED: 1 << 1,
  /** The task is pinned to a single CPU (nr_cpus_allowed == 1). */
  PINNED: 1 << 2,
} as const;

/** One runnable task, as the BPF scheduler reports it when the task is enqueued. */
export interface TaskRecord {
  /** Kernel task id (thread id). */
  pid: number;
  /** Thread-group id (process id). */
  tgid: number;
  /** cgroup v2 id of the task's own cgroup. */
  cgroupId: number;
  /** cgroup id whose SLO applies (the task's cgroup or nearest configured ancestor); 0 = none. */
  sloCgroupId: number;
  /** CPU the task last ran on (-1 if never). */
  prevCpu: number;
  /**
   * When the task's current job started (it woke up or its slice ended), policy clock.
   * A task put back by a preemption keeps its job: same enqNs and deadlineNs.
   */
  enqNs: number;
  /**
   * The job's SLO deadline as the kernel computed it, policy clock:
   * enqNs + budget * (101 - importance) / 100 (policy/deadline.ts) with the task's SLO
   * (or the default one). edf orders by it; the simulator fills it the same way.
   */
  deadlineNs: number;
  /** Total CPU time the task has consumed so far (sum_exec_runtime), ns. */
  runtimeNs: number;
  /** Scheduling weight (100 = nice 0). */
  weight: number;
  /** TaskFlags bits. */
  flags: number;
  /** Enqueue sequence number; a decision must echo it so stale decisions can be dropped. */
  seq: number;
}

/** What the policy wants done with one task. */
export interface Decision {
  pid: number;
  /** Echo of TaskRecord.seq. */
  seq: number;
  /**
   * The ordering key: decided tasks run in ascending vtime (policy clock ns). edf puts
   * the SLO deadline here, fair a weighted virtual runtime, fifo the enqueue time. The
   * kernel compares it with the SLO deadlines of the tasks it queued itself (urgent
   * and fallback tasks), so a key far from the policy clock's now delays or advances
   * the policy's tasks against those.
   */
  vtime: number;
  /** Time slice in ns (0 = the host's default slice). */
  sliceNs: number;
}

/** A workload's service-level objective. */
export interface SloEntry {
  /** Latency budget in ns (1 .. MAX_BUDGET_NS). */
  budgetNs: number;
  /** Importance 1 (least) .. 100 (most). */
  importance: number;
}

/** Read-only view of the SLO table: cgroup id -> SLO. The host keeps it current. */
export interface SloLookup {
  get(cgroupId: number): SloEntry | undefined;
}

/** What a policy is told when it is created. */
export interface PolicyContext {
  /** Number of CPUs the host schedules. */
  nrCpus: number;
  /** The live SLO table (the host mutates it; the policy reads it at each enqueue). */
  slos: SloLookup;
  /** Options given by the user (`--policy-opt key=value`), unvalidated strings. */
  options: Readonly<Record<string, string>>;
}

/** A running policy instance: a stateful priority queue. */
export interface Policy {
  /** A task became runnable. */
  enqueue(task: TaskRecord): void;
  /**
   * Up to `max` decisions for queued tasks, best first, removing them from the queue.
   * `nowNs` is the host's current time on the policy clock.
   */
  dispatch(nowNs: number, max: number): Decision[];
  /** How many tasks are queued. */
  readonly queued: number;
  /**
   * A task that was enqueued here at least once exited: drop any per-task state.
   * Live, the kernel reports exits through the ring (ops.exit_task); the host calls
   * this after the enqueues of the same batch and before the batch's dispatch. Optional.
   */
  taskExited?(pid: number): void;
}

/** What a policy module file exports (as its default export or as named exports). */
export interface PolicyModule {
  apiVersion: typeof POLICY_API_VERSION;
  /** Short name, e.g. "edf". */
  name: string;
  /** One line for `--help` and `scx-slo policy list`. */
  description: string;
  createPolicy(ctx: PolicyContext): Policy;
  /**
   * SLO-aware policies set this: the kernel may then run "urgent" tasks, whose SLO
   * deadline is closer than the agent can react (ctl.urgent_max_ns, `--urgent-below-ms`),
   * at once in deadline order, preempting laxer work, without waiting for this policy.
   * Policies that ignore SLOs leave it unset, so every task waits for their order.
   * Default false.
   */
  urgentInKernel?: boolean;
}
