// What the agent does with the kernel's deadline-miss events (miss_rb, rate-limited per
// CPU by the BPF side, ctl.miss_events_per_sec): a per-workload lateness histogram for
// /metrics, scx_slo_workload_lateness_seconds{namespace,pod,cgroup}, and a log line per
// workload at most once per interval naming the pod, how late the latest miss was and how
// many more came since the last line. The histogram counts the events the kernel sent,
// not every miss: the exact count is scx_slo_workload_deadline_misses_total.
import type { MissEvent } from '../kernel/live-scheduler.js';
import type { WorkloadLookup } from '../slo/workload-registry.js';
import { workloadLabels } from './agent-metrics.js';
import type { Sample } from './computed-metric.js';

/** Bucket upper bounds in seconds: 100 us .. 10 s. */
export const LATENESS_BUCKETS_SECONDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface MissReporterOptions {
  workloads: WorkloadLookup;
  /** Where the per-workload lines go (a warning). */
  log: (line: string) => void;
  /** At most one line per workload this often (default 10 s). */
  logIntervalMs?: number;
  /** Milliseconds clock (default performance.now()). */
  nowMs?: () => number;
}

interface WorkloadLateness {
  buckets: number[];
  count: number;
  sumSeconds: number;
  lastLogMs: number;
  /** Misses since the last line, and the worst of them. */
  unlogged: number;
  worstUnloggedNs: number;
}

const fmtMs = (ns: number): string => `${(ns / 1e6).toFixed(ns < 10e6 ? 2 : 0)} ms`;

export class MissReporter {
  private readonly byCgroup = new Map<number, WorkloadLateness>();
  private readonly intervalMs: number;
  private readonly nowMs: () => number;

  constructor(private readonly options: MissReporterOptions) {
    this.intervalMs = options.logIntervalMs ?? 10_000;
    if (!(this.intervalMs > 0)) throw new RangeError(`logIntervalMs: expected > 0, got ${this.intervalMs}`);
    this.nowMs = options.nowMs ?? (() => performance.now());
  }

  record(e: MissEvent): void {
    let w = this.byCgroup.get(e.sloCgroupId);
    if (!w) {
      w = { buckets: new Array<number>(LATENESS_BUCKETS_SECONDS.length).fill(0), count: 0, sumSeconds: 0, lastLogMs: -Infinity,
        unlogged: 0, worstUnloggedNs: 0 };
      this.byCgroup.set(e.sloCgroupId, w);
    }
    const seconds = e.latenessNs / 1e9;
    const b = LATENESS_BUCKETS_SECONDS.findIndex((le) => seconds <= le);
    if (b >= 0) w.buckets[b]! += 1;
    w.count += 1;
    w.sumSeconds += seconds;
    const now = this.nowMs();
    if (now - w.lastLogMs < this.intervalMs) {
      w.unlogged += 1;
      w.worstUnloggedNs = Math.max(w.worstUnloggedNs, e.latenessNs);
      return;
    }
    const l = workloadLabels(this.options.workloads, e.sloCgroupId);
    const who = l.pod ? `pod ${l.namespace}/${l.pod}` : `cgroup ${l.cgroup}`;
    const more = w.unlogged > 0 ? `; ${w.unlogged} more since the last report, the worst ${fmtMs(w.worstUnloggedNs)} late` : '';
    this.options.log(`deadline miss: ${who} ran ${fmtMs(e.latenessNs)} late (pid ${e.pid}, cpu ${e.cpu})${more}`);
    w.lastLogMs = now;
    w.unlogged = 0;
    w.worstUnloggedNs = 0;
  }

  /**
   * Prometheus histogram samples (`_bucket`, `_sum`, `_count`) per workload. A workload
   * no SLO source knows any more (its pod is gone) is dropped, not exported as unknown.
   */
  samples(name: string): Sample[] {
    const out: Sample[] = [];
    for (const [id, w] of this.byCgroup) {
      if (id !== 0 && !this.options.workloads.byCgroupId(id)) {
        this.byCgroup.delete(id);
        continue;
      }
      const labels = workloadLabels(this.options.workloads, id);
      let cumulative = 0;
      LATENESS_BUCKETS_SECONDS.forEach((le, i) => {
        cumulative += w.buckets[i]!;
        out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: String(le) }, value: cumulative });
      });
      out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: w.count });
      out.push({ metricName: `${name}_sum`, labels, value: w.sumSeconds });
      out.push({ metricName: `${name}_count`, labels, value: w.count });
    }
    return out;
  }
}
