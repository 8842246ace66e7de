// A SchedulerStatsSource test double: a snapshot the test sets field by field. (The real
// source reads BPF maps and needs sched_ext.)
import { CPU_STATS_COUNTERS, SLO_LAG_BUCKETS, type CpuStatsCounter } from '../../kernel/kernel-abi.js';
import type { CgroupSloStats, SchedulerSnapshot, SchedulerStatsSource } from '../../kernel/scheduler-stats.js';

export class FakeStats implements SchedulerStatsSource {
  snap: SchedulerSnapshot = {
    mode: 'sched_ext',
    opsName: 'slo',
    policy: 'edf',
    takenAtNs: 1_000_000_000_000,
    counters: Object.fromEntries(CPU_STATS_COUNTERS.map((c) => [c, 0])) as Record<CpuStatsCounter, number>,
    lagHistogram: new Array<number>(SLO_LAG_BUCKETS).fill(0),
    cgroups: new Map(),
  };
  calls = 0;
  fail: Error | undefined;

  snapshot(): SchedulerSnapshot {
    this.calls += 1;
    if (this.fail) throw this.fail;
    return { ...this.snap, counters: { ...this.snap.counters }, lagHistogram: [...this.snap.lagHistogram], cgroups: new Map(this.snap.cgroups) };
  }

  cgroup(id: number, stats: Partial<CgroupSloStats>): void {
    this.snap.cgroups.set(id, { runs: 0, misses: 0, lastRunNs: 0, lastMissNs: 0, lastSlackNs: 0, waitNsSum: 0, ...stats });
  }
}
