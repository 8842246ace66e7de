// Per-workload series that are computed rather than read: the overload gauge (the
// /overload rule applied to each SLO cgroup) and the monitoring-only mode's run-queue
// latency histogram, summed from a workload's descendant cgroups.
import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentMetrics } from '../agent-metrics.js';
import { CgroupOwnerIndex } from '../cgroup-owner-index.js';
import { WorkloadRegistry } from '../../slo/workload-registry.js';
import { RQLAT_BUCKET_BOUNDS_SECONDS, type RunqueueLatencySnapshot } from '../../monitor/rqlat-monitor.js';
import { FakeStats } from './fake-stats.js';
import { parsePrometheusText } from './prometheus-text.js';

test('scx_slo_pod_overloaded is 1 for a workload with a recent miss and 0 otherwise', async (t) => {
  const stats = new FakeStats();
  const registry = new WorkloadRegistry();
  registry.set({ cgroupId: 11, cgroupPath: 'kubepods/podA', pod: { namespace: 'shop', name: 'front', uid: 'a' }, source: 'kubernetes' });
  registry.set({ cgroupId: 12, cgroupPath: 'kubepods/podB', pod: { namespace: 'shop', name: 'batch', uid: 'b' }, source: 'kubernetes' });
  const now = stats.snap.takenAtNs;
  stats.cgroup(11, { runs: 10, misses: 3, lastRunNs: now - 1e6, lastMissNs: now - 10e6, lastSlackNs: -2e6 });
  stats.cgroup(12, { runs: 10, misses: 1, lastRunNs: now - 1e6, lastMissNs: now - 5e9, lastSlackNs: 4e6 });
  const fams = parsePrometheusText(await createAgentMetrics({ stats, workloads: registry, processMetrics: false }).render());
  const f = fams.get('scx_slo_pod_overloaded')!;
  t.is(f.type, 'gauge');
  const value = (pod: string): number | undefined => f.samples.find((s) => s.labels['pod'] === pod)?.value;
  t.is(value('front'), 1);
  t.is(value('batch'), 0);
});

test('scx_slo_runqueue_latency_seconds sums a pod\'s container cgroups into the pod\'s series', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'scx-slo-cg-'));
  try {
    const podDir = join(root, 'kubepods', 'podA');
    mkdirSync(join(podDir, 'ctr1'), { recursive: true });
    mkdirSync(join(podDir, 'ctr2'));
    mkdirSync(join(root, 'system.slice'));
    const ino = (p: string): number => Number(statSync(p, { bigint: true }).ino);
    const registry = new WorkloadRegistry();
    registry.set({ cgroupId: ino(podDir), cgroupPath: 'kubepods/podA', pod: { namespace: 'shop', name: 'front', uid: 'a' }, source: 'kubernetes' });
    const hist = (counts: Record<number, number>, sumNs: number) => {
      const buckets = RQLAT_BUCKET_BOUNDS_SECONDS.map((leSeconds, i) => ({ leSeconds, count: counts[i] ?? 0 }));
      const count = buckets.reduce((n, b) => n + b.count, 0);
      return { count, sumNs, requeueCount: 0, requeueSumNs: 0, buckets };
    };
    const snapshot: RunqueueLatencySnapshot = new Map([
      [ino(join(podDir, 'ctr1')), hist({ 3: 2, 10: 1 }, 2_000_000)],
      [ino(join(podDir, 'ctr2')), hist({ 3: 1 }, 10_000)],
      [ino(join(root, 'system.slice')), hist({ 0: 5 }, 1_000)],
    ]);
    const stats = new FakeStats();
    stats.snap.mode = 'monitor';
    const metrics = createAgentMetrics({
      stats, workloads: registry, processMetrics: false,
      runqueueLatency: { read: () => snapshot, owners: new CgroupOwnerIndex(root, registry) },
    });
    const f = parsePrometheusText(await metrics.render()).get('scx_slo_runqueue_latency_seconds')!;
    t.is(f.type, 'histogram');
    const front = f.samples.filter((s) => s.labels['pod'] === 'front');
    t.is(front.find((s) => s.name.endsWith('_count'))!.value, 4, 'both containers summed');
    t.is(front.find((s) => s.name.endsWith('_sum'))!.value, 0.00201);
    t.is(front.find((s) => s.labels['le'] === String(2 ** 3 / 1e6))!.value, 3, 'cumulative at 8 us');
    t.is(front.find((s) => s.labels['le'] === '+Inf')!.value, 4);
    const other = f.samples.find((s) => s.labels['cgroup'] === 'other' && s.name.endsWith('_count'));
    t.is(other!.value, 5, 'cgroups outside every workload are one series');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
