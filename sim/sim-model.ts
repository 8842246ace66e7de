// The simulated machine and scheduler parameters: what the replay assumes about the
// hardware and about the live scx-slo kernel side (bpf/scx_slo.bpf.c) it models.
// Every number a result depends on besides the workload and the policy is here.

import { DEFAULT_SLICE_NS, MIN_SLICE_NS } from '../policy/api.js';

export interface SimModel {
  /** Number of CPUs. */
  cpus: number;
  /** Simulated time, ns; the replay stops there (work still queued is reported as waiting). */
  durationNs: number;
  /**
   * Cost of switching a CPU to a different task, ns. The CPU does no task work for this
   * long and the new task "runs" (for latency and deadline accounting) when it is over.
   * Resuming the same task after a slice refill costs nothing.
   */
  contextSwitchNs: number;
  /**
   * ctl.slice_ns: the host's default slice, used when a decision says sliceNs = 0, and
   * the upper bound of the kernel's own slices (kernel_slice(): the task's SLO laxity
   * clamped to [250 us, sliceNs]).
   */
  sliceNs: number;
  /**
   * ctl.urgent_max_ns, in force only when the policy module sets urgentInKernel (the
   * agent writes 0 otherwise): a task whose SLO laxity, budget * (101 - importance) / 100,
   * is at most this is "urgent". The kernel queues it in its own deadline-ordered queue
   * (SLO_DSQ_EDF, consumed before the policy's tasks) without asking the policy, wakes an
   * idle CPU for it, or, when none is idle, preempts the CPU whose running job has the
   * latest absolute deadline if that is later than the urgent task's
   * (preemption_victim(), SCX_ENQ_PREEMPT): wake-up preemption. 0 disables the fast path (and so all preemption).
   */
  directMaxNs: number;
  /** Decisions asked of the policy per dispatch(); the extra ones wait in SLO_DSQ_USER. */
  dispatchBatch: number;
  /**
   * Delay between a task becoming runnable and its record reaching the policy (ring
   * buffer + agent wake-up), ns. 0 = the agent answers at once. Urgent tasks skip it.
   */
  agentLagNs: number;
  /**
   * The agent as a CPU consumer: CPU time its main loop spends per record handed to the
   * policy, ns. 0 (the default) = the agent is not modelled, its decisions cost no CPU.
   * Otherwise records (after agentLagNs) wait for the agent, one thread that the kernel
   * schedules as bpf/scx_slo.bpf.c does (in SLO_DSQ_EDF with deadline now +
   * agentDeadlineNs, waking an idle CPU or preempting a later deadline, and preempted by
   * an earlier one); a round of n records costs n times this, and the policy sees the
   * round's records when the round is done.
   */
  agentCpuNsPerRecord: number;
  /**
   * The agent's job deadline offset, ns: ctl.lag_ns, the live agent's lag bound
   * (`--lag-ms`, default 5 ms), which job_deadline() gives the agent's threads. Used only
   * when agentCpuNsPerRecord > 0.
   */
  agentDeadlineNs: number;
  /**
   * Whether a preempted task keeps its job. true (the live kernel side, begin_enqueue()):
   * a task put back by a preemption kick keeps its runnable-since time (the records'
   * enqNs) and deadline, and its resumed run is not counted again in runs and misses.
   * false (a what-if, `--preempt-renews-deadline`, the kernel side before it kept jobs):
   * the preempted task starts a new job like any other enqueue, enq = now and a fresh
   * deadline. Wake-ups and slice expiries start a new job either way.
   */
  preemptKeepsDeadline: boolean;
  /**
   * The scheduler tick period, ns (HZ = 1000: 1 ms). slo_tick() gives a task that runs
   * past its deadline (its slice outlasts its laxity, or was refilled because nothing
   * else wanted the CPU) a new job: enq = now, deadline = now + laxity, and its CPU's
   * current deadline becomes that. Ticks fall on multiples of this period on every CPU
   * (no tick skew). Only deadlines of running tasks change, so this matters only for the
   * preemption victim choice and for what a preempted task keeps: it is modelled for
   * fast-path policies only. 0 = no renewal (a running job keeps its deadline forever).
   */
  tickNs: number;
  /**
   * Wake-up cost of the scx-slo kernel side, ns: the time from a task waking up (leaving
   * its sleep) to when the scheduler has it queued and a CPU could start it (select_cpu,
   * ops.enqueue, the kick IPI, the target's idle exit and ops.dispatch). The task is
   * invisible to the scheduler for this long; its wake-to-run latency, enq and SLO
   * deadline count from the wake-up. Only wake-ups pay it (not slice expiries or
   * preemptions), and it is separate from contextSwitchNs, paid when the CPU switches.
   * 0 (the default) = the scheduler sees the task at once.
   */
  wakeupNs: number;
  /** The same wake-up cost for the kernel-default baseline (`eevdf`, sim/eevdf.ts). */
  baselineWakeupNs: number;
  /**
   * Whether the eevdf baseline models the cgroup hierarchy (root -> cgroup -> task, the
   * cpu controller on, every workload group one cgroup of cpu.weight 100 except groups
   * marked inRootCgroup). false (`--eevdf-flat`): every task is an entity of its CPU's
   * root runqueue.
   */
  baselineCgroups: boolean;
  /**
   * cpu.weight overrides for the eevdf baseline's cgroups, by group name (1..10000): the
   * kernel default hand-tuned, e.g. { service: 10000 } (`--baseline-cpu-weight`). Groups
   * not named keep their own cpu.weight (WorkloadGroup.cpuWeight, default 100). Absent or
   * empty = none; ignored by the flat model and by the policies.
   */
  baselineCpuWeights?: Readonly<Record<string, number>>;
}

/** Defaults: see sim/README.md for why these numbers. */
export const DEFAULT_MODEL: Omit<SimModel, 'cpus' | 'durationNs'> = {
  contextSwitchNs: 2_000,
  sliceNs: DEFAULT_SLICE_NS,
  directMaxNs: 1_000_000,
  dispatchBatch: 1,
  agentLagNs: 0,
  agentCpuNsPerRecord: 0,
  agentDeadlineNs: 5_000_000,
  preemptKeepsDeadline: true,
  tickNs: 1_000_000,
  wakeupNs: 0,
  baselineWakeupNs: 0,
  baselineCgroups: true,
};

/** Smallest slice the kernel gives (SLO_MIN_SLICE_NS in bpf/scx_slo.h). */
export const MIN_KERNEL_SLICE_NS = MIN_SLICE_NS;

/** Checks a model, naming the first bad parameter. */
export function validateModel(m: SimModel): void {
  const check = (name: string, v: number, lo: number, hi: number, integer = true): void => {
    if (!Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
      throw new RangeError(`sim model: ${name} must be ${integer ? 'an integer ' : ''}in ${lo}..${hi}, got ${v}`);
    }
  };
  check('cpus', m.cpus, 1, 4096);
  check('durationNs', m.durationNs, 1, Number.MAX_SAFE_INTEGER);
  check('contextSwitchNs', m.contextSwitchNs, 0, 1_000_000_000);
  check('sliceNs', m.sliceNs, 1_000, 10_000_000_000);
  check('directMaxNs', m.directMaxNs, 0, Number.MAX_SAFE_INTEGER);
  check('dispatchBatch', m.dispatchBatch, 1, 4096);
  check('agentLagNs', m.agentLagNs, 0, 10_000_000_000);
  check('agentCpuNsPerRecord', m.agentCpuNsPerRecord, 0, 1_000_000_000);
  check('agentDeadlineNs', m.agentDeadlineNs, 1, 10_000_000_000);
  check('tickNs', m.tickNs, 0, 1_000_000_000);
  check('wakeupNs', m.wakeupNs, 0, 1_000_000_000);
  check('baselineWakeupNs', m.baselineWakeupNs, 0, 1_000_000_000);
  if (typeof m.baselineCgroups !== 'boolean') throw new RangeError(`sim model: baselineCgroups must be a boolean, got ${String(m.baselineCgroups)}`);
  for (const [name, weight] of Object.entries(m.baselineCpuWeights ?? {})) check(`baselineCpuWeights[${JSON.stringify(name)}]`, weight, 1, 10_000);
  if (typeof m.preemptKeepsDeadline !== 'boolean') throw new RangeError(`sim model: preemptKeepsDeadline must be a boolean, got ` +
    `${String(m.preemptKeepsDeadline)}`);
}
