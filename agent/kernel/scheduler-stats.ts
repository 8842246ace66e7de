// What the scheduler reports about itself: a snapshot of the kernel side's counters and
// per-workload accounting, read by /metrics, `scx-slo status` and the overload endpoint.
// The live agent produces it from the BPF maps; the monitoring-only mode produces the
// parts it can.
import type { CpuStatsCounter } from './kernel-abi.js';
import type { PolicyFaults } from './delegation-loop.js';

/** How the agent is running. */
export type SchedulerMode =
  /** A sched_ext scheduler of ours is attached and scheduling. */
  | 'sched_ext'
  /** No sched_ext on this kernel: measuring run-queue latency only. */
  | 'monitor'
  /** Not attached (starting, stopping, or failed). */
  | 'detached';

/** Per-workload accounting kept by the kernel (struct slo_cg_stats). */
export interface CgroupSloStats {
  runs: number;
  misses: number;
  /** Kernel monotonic ns of the latest run / miss (0 = never). */
  lastRunNs: number;
  lastMissNs: number;
  lastSlackNs: number;
  waitNsSum: number;
}

export interface SchedulerSnapshot {
  mode: SchedulerMode;
  /** sched_ext ops name as the kernel shows it, e.g. "slo". */
  opsName: string;
  /** Policy in use (name or file). */
  policy: string;
  /** Kernel monotonic time when the snapshot was taken, ns. */
  takenAtNs: number;
  /** Counters summed over CPUs. */
  counters: Record<CpuStatsCounter, number>;
  /** Userspace lag histogram summed over CPUs: bucket i counts lags in [2^(i-1), 2^i) us. */
  lagHistogram: number[];
  /** SLO cgroup id -> accounting. */
  cgroups: Map<number, CgroupSloStats>;
  /** The policy's faults (attached agents only). */
  policyFaults?: PolicyFaults;
}

export interface SchedulerStatsSource {
  snapshot(): SchedulerSnapshot;
  /**
   * The same snapshot, read without holding the event loop for more than a few ms at a
   * time (the per-workload map can hold 16,384 entries). /metrics uses it when present.
   */
  snapshotAsync?(): Promise<SchedulerSnapshot>;
}
