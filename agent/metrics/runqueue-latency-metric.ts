// scx_slo_runqueue_latency_seconds: the monitoring-only mode's per-cgroup run-queue
// latency histograms (agent/monitor) as one Prometheus histogram per workload. The
// kernel keeps a histogram per cgroup; cgroups at or below a workload's cgroup (a pod's
// containers) are summed into that workload's series, labelled namespace/pod/cgroup like
// the other per-workload metrics, and every other cgroup of the node into one series
// with cgroup="other" (so cardinality follows the workloads, not the node's cgroups).
import type { RunqueueLatencySnapshot } from '../monitor/rqlat-monitor.js';
import type { Sample } from './computed-metric.js';
import type { CgroupOwnerIndex } from './cgroup-owner-index.js';

interface Series {
  labels: Record<string, string>;
  buckets: Array<{ le: number; count: number }>;
  count: number;
  sumNs: number;
}

function formatLe(le: number): string {
  return Number.isFinite(le) ? String(le) : '+Inf';
}

export function runqueueLatencySamples(name: string, snapshot: RunqueueLatencySnapshot, owners: CgroupOwnerIndex): Sample[] {
  const series = new Map<string, Series>();
  for (const [cgroupId, h] of snapshot) {
    const owner = owners.ownerOf(cgroupId);
    const labels = owner
      ? { namespace: owner.pod?.namespace ?? '', pod: owner.pod?.name ?? '', cgroup: owner.cgroupPath }
      : { namespace: '', pod: '', cgroup: 'other' };
    const key = `${labels.namespace}\u0000${labels.pod}\u0000${labels.cgroup}`;
    let s = series.get(key);
    if (!s) {
      s = { labels, buckets: h.buckets.map((b) => ({ le: b.leSeconds, count: 0 })), count: 0, sumNs: 0 };
      series.set(key, s);
    }
    h.buckets.forEach((b, i) => (s.buckets[i]!.count += b.count));
    s.sumNs += h.sumNs;
    s.count += h.count;
  }
  const samples: Sample[] = [];
  for (const s of series.values()) {
    let cumulative = 0;
    for (const b of s.buckets) {
      cumulative += b.count;
      samples.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le: formatLe(b.le) }, value: cumulative });
    }
    if (!s.buckets.some((b) => !Number.isFinite(b.le))) samples.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: cumulative });
    // _count from the cumulative buckets: a read racing the kernel's update stays consistent.
    samples.push({ metricName: `${name}_count`, labels: s.labels, value: cumulative });
    samples.push({ metricName: `${name}_sum`, labels: s.labels, value: s.sumNs / 1e9 });
  }
  return samples;
}
