// The kernel's deadline-miss events in the agent: each workload's lateness histogram in
// /metrics, and at most one log line per workload per interval, naming the pod and
// counting the misses it folded in.
import test from 'ava';
import { MissReporter } from '../miss-reporter.js';
import { createAgentMetrics } from '../agent-metrics.js';
import { WorkloadRegistry } from '../../slo/workload-registry.js';
import { FakeStats } from './fake-stats.js';
import { parsePrometheusText } from './prometheus-text.js';

function rig(): { registry: WorkloadRegistry; lines: string[]; clock: { ms: number }; reporter: MissReporter } {
  const registry = new WorkloadRegistry();
  registry.set({ cgroupId: 11, cgroupPath: 'kubepods/podA', pod: { namespace: 'shop', name: 'front', uid: 'a' }, source: 'kubernetes' });
  registry.set({ cgroupId: 12, cgroupPath: 'batch.slice', source: 'config_file' });
  const lines: string[] = [];
  const clock = { ms: 0 };
  const reporter = new MissReporter({ workloads: registry, log: (l) => lines.push(l), logIntervalMs: 1000, nowMs: () => clock.ms });
  return { registry, lines, clock, reporter };
}

const miss = (sloCgroupId: number, latenessNs: number) => ({ sloCgroupId, deadlineNs: 1_000_000_000, latenessNs, pid: 4242, cpu: 1 });

test('one line per workload per interval names the pod, the lateness and the misses folded in', (t) => {
  const { lines, clock, reporter } = rig();
  reporter.record(miss(11, 3_200_000));
  for (let i = 0; i < 50; i++) reporter.record(miss(11, 1_000_000 + i * 100_000));
  reporter.record(miss(12, 40_000_000));
  t.deepEqual(lines, [
    'deadline miss: pod shop/front ran 3.20 ms late (pid 4242, cpu 1)',
    'deadline miss: cgroup batch.slice ran 40 ms late (pid 4242, cpu 1)',
  ]);
  clock.ms = 1000;
  reporter.record(miss(11, 2_000_000));
  t.is(lines.length, 3);
  t.is(lines[2], 'deadline miss: pod shop/front ran 2.00 ms late (pid 4242, cpu 1); 50 more since the last report, the worst 5.90 ms late');
});

test('the lateness histogram counts every event in cumulative buckets, with sum and count, per workload', async (t) => {
  const { registry, reporter } = rig();
  reporter.record(miss(11, 300_000));
  reporter.record(miss(11, 3_000_000));
  reporter.record(miss(11, 30_000_000_000));
  const text = await createAgentMetrics({ stats: new FakeStats(), workloads: registry, processMetrics: false, missLateness: reporter }).render();
  const f = parsePrometheusText(text).get('scx_slo_workload_lateness_seconds')!;
  t.is(f.type, 'histogram');
  const bucket = (le: string): number | undefined => f.samples.find((s) => s.name.endsWith('_bucket') && s.labels['le'] === le
    && s.labels['pod'] === 'front')?.value;
  t.is(bucket('0.0001'), 0);
  t.is(bucket('0.0005'), 1);
  t.is(bucket('0.005'), 2);
  t.is(bucket('10'), 2);
  t.is(bucket('+Inf'), 3);
  t.is(f.samples.find((s) => s.name.endsWith('_count'))?.value, 3);
  t.true(Math.abs(f.samples.find((s) => s.name.endsWith('_sum'))!.value - 30.0033) < 1e-9);
});

test('a workload no source knows any more is dropped from the histogram, not exported as unknown', (t) => {
  const { registry, reporter } = rig();
  reporter.record(miss(11, 1_000_000));
  t.true(reporter.samples('x').length > 0);
  registry.delete(11);
  t.deepEqual(reporter.samples('x'), []);
});
