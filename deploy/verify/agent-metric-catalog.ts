// The metric names and label names the agent really exports, for checking the PromQL of
// the Grafana dashboard and the alerting rules. Rendered from the agent's own registry
// (agent/metrics/agent-metrics.ts createAgentMetrics) with every input populated so that
// every family has samples: a scheduler snapshot (FakeStats: the kernel side cannot run
// here), a pod and a host cgroup in the real WorkloadRegistry, a real ConfigErrorCounter,
// an SLO source with watch restarts, a real MissReporter fed one deadline-miss event, and
// a run-queue latency snapshot. Nothing is listed
// by hand: a metric the agent adds, renames or drops shows up here by itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentMetrics } from '../../agent/metrics/agent-metrics.js';
import { CgroupOwnerIndex } from '../../agent/metrics/cgroup-owner-index.js';
import { ConfigErrorCounter } from '../../agent/metrics/config-errors.js';
import { MissReporter } from '../../agent/metrics/miss-reporter.js';
import type { SloSource, SloSourceStatus } from '../../agent/metrics/slo-source-status.js';
import { FakeStats } from '../../agent/metrics/test/fake-stats.js';
import { parsePrometheusText } from '../../agent/metrics/test/prometheus-text.js';
import { RQLAT_BUCKET_BOUNDS_SECONDS, type RunqueueLatencySnapshot } from '../../agent/monitor/rqlat-monitor.js';
import { WorkloadRegistry } from '../../agent/slo/workload-registry.js';

export interface MetricCatalog {
  /** Series name (as PromQL selects it: foo_bucket, foo_count, foo_sum, or the family name) -> label names. */
  series: Map<string, Set<string>>;
  /** Family name -> Prometheus type (counter, gauge, histogram, ...). */
  types: Map<string, string>;
  /** The rendered exposition text (for promtool). */
  text: string;
}

class StaticSource implements SloSource {
  constructor(private readonly s: SloSourceStatus) {}
  status(): SloSourceStatus {
    return this.s;
  }
}

let cached: Promise<MetricCatalog> | undefined;

/** Renders the agent's registry once and returns its series and labels. */
export function agentMetricCatalog(): Promise<MetricCatalog> {
  cached ??= build();
  return cached;
}

async function build(): Promise<MetricCatalog> {
  const stats = new FakeStats();
  const workloads = new WorkloadRegistry();
  workloads.set({ cgroupId: 11, cgroupPath: 'kubepods.slice/kubepods-pod1.slice', pod: { namespace: 'shop', name: 'web-1', uid: 'u1' }, source: 'kubernetes' });
  workloads.set({ cgroupId: 12, cgroupPath: 'system.slice/nginx.service', source: 'config_file' });
  stats.cgroup(11, { runs: 100, misses: 3, waitNsSum: 1e9, lastMissNs: stats.snap.takenAtNs - 1e6 });
  stats.cgroup(12, { runs: 10 });
  stats.snap.lagHistogram[2] = 4;
  const errors = new ConfigErrorCounter();
  errors.record('annotation', 'budgetMs');
  const source = new StaticSource({ name: 'kubernetes', synced: true, entries: 1, unresolved: 0, storeErrors: 0, watchRestarts: { pods: 1 } });
  const misses = new MissReporter({ workloads, log: () => {} });
  misses.record({ sloCgroupId: 11, pid: 1234, cpu: 0, deadlineNs: 1_000_000_000, latenessNs: 3_000_000 });
  const root = mkdtempSync(join(tmpdir(), 'metric-catalog-'));
  try {
    const rq: RunqueueLatencySnapshot = new Map([[11, {
      count: 3, sumNs: 3000, requeueCount: 1, requeueSumNs: 1000,
      buckets: RQLAT_BUCKETS(),
    }]]);
    const metrics = createAgentMetrics({
      stats, workloads, sources: [source], configErrors: errors, missLateness: misses,
      runqueueLatency: { read: () => rq, owners: new CgroupOwnerIndex(root, workloads) },
    });
    const text = await metrics.render();
    const series = new Map<string, Set<string>>();
    const types = new Map<string, string>();
    for (const [family, f] of parsePrometheusText(text)) {
      types.set(family, f.type);
      for (const s of f.samples) {
        const labels = series.get(s.name) ?? new Set<string>();
        for (const l of Object.keys(s.labels)) labels.add(l);
        series.set(s.name, labels);
      }
    }
    return { series, types, text };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function RQLAT_BUCKETS(): { leSeconds: number; count: number }[] {
  return RQLAT_BUCKET_BOUNDS_SECONDS.map((le, i) => ({ leSeconds: le, count: i === 3 ? 3 : 0 }));
}
