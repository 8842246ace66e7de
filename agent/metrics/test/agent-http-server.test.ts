// /metrics scraped over HTTP and parsed as Prometheus text: names, types, _total, units,
// labels and exact values from a fake SchedulerStatsSource; /healthz and /readyz.
import test from 'ava';
import { SLO_LAG_BUCKETS } from '../../kernel/kernel-abi.js';
import { WorkloadRegistry } from '../../slo/workload-registry.js';
import { startAgentHttpServer, type AgentHttpServerOptions } from '../agent-http-server.js';
import { ConfigErrorCounter } from '../config-errors.js';
import type { SloSource, SloSourceStatus } from '../slo-source-status.js';
import { FakeStats } from './fake-stats.js';
import { parsePrometheusText, type ParsedFamily } from './prometheus-text.js';

class FakeSource implements SloSource {
  constructor(public s: SloSourceStatus) {}
  status(): SloSourceStatus {
    return this.s;
  }
}

async function serve(t: import('ava').ExecutionContext, extra: Partial<AgentHttpServerOptions> = {}) {
  const stats = new FakeStats();
  const registry = new WorkloadRegistry();
  const errors = new ConfigErrorCounter();
  const k8s = new FakeSource({ name: 'kubernetes', synced: true, entries: 2, unresolved: 1, storeErrors: 0, watchRestarts: { pods: 3, slopolicies: 1 } });
  // Renders are not reused here (metricsRefreshMs 0) unless a test says otherwise.
  const server = await startAgentHttpServer({ port: 0, host: '127.0.0.1', stats, workloads: registry, sources: [k8s], configErrors: errors,
    metricsRefreshMs: 0, ...extra });
  t.teardown(() => server.close());
  const get = async (path: string) => {
    const res = await fetch(`${server.url}${path}`);
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };
  return { stats, registry, errors, k8s, server, get };
}

const value = (f: ParsedFamily | undefined, labels: Record<string, string> = {}, name?: string): number | undefined =>
  f?.samples.find((s) => (name === undefined || s.name === name) && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
    && Object.keys(s.labels).length >= Object.keys(labels).length)?.value;

test('/metrics: names, types, labels and exact values', async (t) => {
  const { stats, registry, errors, get } = await serve(t);
  registry.set({ cgroupId: 11, cgroupPath: 'kubepods.slice/kubepods-pod1.slice', pod: { namespace: 'shop', name: 'web-1', uid: 'u1' }, source: 'kubernetes' });
  registry.set({ cgroupId: 12, cgroupPath: 'system.slice/nginx.service', source: 'config_file' });
  stats.cgroup(11, { runs: 1000, misses: 7, waitNsSum: 2_500_000_000 });
  stats.cgroup(12, { runs: 10, misses: 1 });
  stats.cgroup(99, { runs: 5, misses: 2 });
  stats.cgroup(0, { runs: 50, misses: 3 });
  Object.assign(stats.snap.counters, {
    enqueued: 9_007_199_254_740_000,
    to_user: 800,
    user_dispatched: 700,
    direct: 90,
    fallback_lag: 5,
    fallback_ringfull: 4,
    fallback_stalled: 3,
    fallback_idle: 2,
    stale_decisions: 12,
    bad_decisions: 1,
    deadline_misses: 13,
    miss_events_dropped: 2,
    preemptions: 6,
    exits_to_user: 40,
    exits_dropped: 1,
  });
  stats.snap.lagHistogram[0] = 10; // < 1 us
  stats.snap.lagHistogram[3] = 5; // [4, 8) us
  stats.snap.lagHistogram[SLO_LAG_BUCKETS - 1] = 2; // >= 2^22 us
  stats.snap.policy = 'fair';
  errors.record('annotation', 'scx-slo/budget-ms');
  errors.record('annotation', 'scx-slo/budget-ms');
  errors.record('config_file', 'importance');

  const res = await get('/metrics');
  t.is(res.status, 200);
  t.regex(res.type, /^text\/plain; version=0\.0\.4/);
  const fams = parsePrometheusText(res.text);
  const ours = [...fams.values()].filter((f) => f.name.startsWith('scx_slo_'));
  t.true(ours.length >= 20);
  for (const f of ours) {
    t.not(f.help, '', `${f.name} has help`);
    if (f.type === 'counter') t.regex(f.name, /_total$/, `${f.name}: counters end in _total`);
    else t.notRegex(f.name, /_total$/, `${f.name}: only counters end in _total`);
  }
  t.true(fams.has('process_cpu_user_seconds_total'), 'process metrics included');

  const f = (name: string): ParsedFamily | undefined => fams.get(`scx_slo_${name}`);
  t.is(f('tasks_enqueued_total')?.type, 'counter');
  t.is(value(f('tasks_enqueued_total')), 9_007_199_254_740_000, 'large counters exact');
  t.is(value(f('tasks_to_userspace_total')), 800);
  t.is(value(f('dispatches_total'), { path: 'userspace', reason: '' }), 700);
  t.is(value(f('dispatches_total'), { path: 'direct' }), 90);
  t.is(value(f('dispatches_total'), { path: 'fallback', reason: 'lag' }), 5);
  t.is(value(f('dispatches_total'), { path: 'fallback', reason: 'ring_full' }), 4);
  t.is(value(f('dispatches_total'), { path: 'fallback', reason: 'stalled' }), 3);
  t.is(value(f('dispatches_total'), { path: 'fallback', reason: 'idle_cpu' }), 2);
  t.is(f('dispatches_total')?.samples.length, 6);
  t.is(value(f('decisions_dropped_total'), { reason: 'stale' }), 12);
  t.is(value(f('decisions_dropped_total'), { reason: 'invalid' }), 1);
  t.is(value(f('ring_full_total')), 4);
  t.is(value(f('deadline_misses_total')), 13);
  t.is(value(f('miss_events_dropped_total')), 2);
  t.is(value(f('preemptions_total')), 6);
  t.is(value(f('task_exits_total'), { outcome: 'sent' }), 40);
  t.is(value(f('task_exits_total'), { outcome: 'dropped' }), 1);

  const misses = f('workload_deadline_misses_total');
  t.is(misses?.type, 'counter');
  t.deepEqual(
    misses?.samples.map((s) => [s.labels, s.value]).sort((a, b) => String((a[0] as Record<string, string>)['cgroup'])
      .localeCompare(String((b[0] as Record<string, string>)['cgroup']))),
    [
      [{ namespace: 'shop', pod: 'web-1', cgroup: 'kubepods.slice/kubepods-pod1.slice' }, 7],
      [{ namespace: '', pod: '', cgroup: 'system.slice/nginx.service' }, 1],
      [{ namespace: '', pod: '', cgroup: 'unconfigured' }, 3],
    ],
    'id 99, which no source knows (a deleted workload), is not exported',
  );
  t.is(value(f('workload_runs_total'), { pod: 'web-1' }), 1000);
  t.is(value(f('workload_wait_seconds_total'), { pod: 'web-1' }), 2.5);

  const lag = f('userspace_lag_seconds');
  t.is(lag?.type, 'histogram');
  const buckets = lag!.samples.filter((s) => s.name === 'scx_slo_userspace_lag_seconds_bucket');
  t.is(buckets.length, SLO_LAG_BUCKETS, '23 finite bounds + +Inf');
  t.deepEqual(buckets.slice(0, 5).map((b) => [b.labels['le'], b.value]), [['0.000001', 10], ['0.000002', 10], ['0.000004', 10],
    ['0.000008', 15], ['0.000016', 15]]);
  t.is(buckets.at(-2)!.labels['le'], '4.194304');
  t.is(buckets.at(-2)!.value, 15);
  t.deepEqual([buckets.at(-1)!.labels['le'], buckets.at(-1)!.value], ['+Inf', 17]);
  t.is(value(lag, {}, 'scx_slo_userspace_lag_seconds_count'), 17);
  for (let i = 1; i < buckets.length; i++) t.true(buckets[i]!.value >= buckets[i - 1]!.value, 'cumulative');

  t.is(value(f('attached')), 1);
  t.is(value(f('mode'), { mode: 'sched_ext' }), 1);
  t.is(value(f('mode'), { mode: 'monitor' }), 0);
  t.is(value(f('mode'), { mode: 'detached' }), 0);
  t.is(value(f('policy_info'), { policy: 'fair', ops: 'slo' }), 1);
  t.is(value(f('config_errors_total'), { source: 'annotation', field: 'scx-slo/budget-ms' }), 2);
  t.is(value(f('config_errors_total'), { source: 'config_file', field: 'importance' }), 1);
  t.is(value(f('source_synced'), { source: 'kubernetes' }), 1);
  t.is(value(f('source_workloads'), { source: 'kubernetes' }), 2);
  t.is(value(f('source_workloads_unresolved'), { source: 'kubernetes' }), 1);
  t.is(value(f('source_watch_restarts_total'), { source: 'kubernetes', resource: 'pods' }), 3);
  t.is(value(f('source_watch_restarts_total'), { source: 'kubernetes', resource: 'slopolicies' }), 1);
  t.is(value(f('stats_read_errors_total')), 0);
  t.is(stats.calls, 1, 'one snapshot per scrape');

  // Counters follow the kernel exactly on the next scrape.
  stats.snap.counters.direct = 95;
  stats.cgroup(11, { runs: 1001, misses: 8, waitNsSum: 2_600_000_000 });
  stats.snap.mode = 'monitor';
  const again = parsePrometheusText((await get('/metrics')).text);
  t.is(value(again.get('scx_slo_dispatches_total'), { path: 'direct' }), 95);
  t.is(value(again.get('scx_slo_workload_deadline_misses_total'), { pod: 'web-1' }), 8);
  t.is(value(again.get('scx_slo_attached')), 0);
  t.is(value(again.get('scx_slo_mode'), { mode: 'monitor' }), 1);
});

test('/metrics when the kernel stats cannot be read: scheduler samples left out, error counted', async (t) => {
  const { stats, get } = await serve(t);
  stats.fail = new Error('map gone');
  const res = await get('/metrics');
  t.is(res.status, 200);
  const fams = parsePrometheusText(res.text);
  t.is(fams.get('scx_slo_tasks_enqueued_total')?.samples.length, 0, 'no fake zero');
  t.is(fams.get('scx_slo_workload_deadline_misses_total')?.samples.length ?? 0, 0);
  t.is(value(fams.get('scx_slo_stats_read_errors_total')), 1);
  t.is(value(fams.get('scx_slo_source_synced'), { source: 'kubernetes' }), 1);
});

test('label values are escaped', async (t) => {
  const { stats, registry, get } = await serve(t, { processMetrics: false });
  registry.set({ cgroupId: 5, cgroupPath: 'odd/"quoted"\\path', source: 'config_file' });
  stats.cgroup(5, { misses: 1 });
  stats.snap.policy = '/opt/policies/my "policy".js';
  const fams = parsePrometheusText((await get('/metrics')).text);
  t.is(value(fams.get('scx_slo_workload_deadline_misses_total'), { cgroup: 'odd/"quoted"\\path' }), 1);
  t.is(value(fams.get('scx_slo_policy_info'), { policy: '/opt/policies/my "policy".js' }), 1);
  t.false(fams.has('process_cpu_user_seconds_total'));
});

test('/readyz: attached or monitoring, and every source synced', async (t) => {
  const { stats, k8s, get } = await serve(t);
  t.deepEqual(JSON.parse((await get('/readyz')).text), { ready: true });
  stats.snap.mode = 'monitor';
  t.is((await get('/readyz')).status, 200);
  stats.snap.mode = 'detached';
  k8s.s = { ...k8s.s, synced: false };
  const res = await get('/readyz');
  t.is(res.status, 503);
  t.deepEqual(JSON.parse(res.text), { ready: false, reasons: ['scheduler not attached (mode detached)', 'SLO source kubernetes has not synced yet'] });
  stats.fail = new Error('no maps');
  stats.snap.mode = 'sched_ext';
  k8s.s = { ...k8s.s, synced: true };
  const broken = await get('/readyz');
  t.is(broken.status, 503);
  t.regex(broken.text, /cannot read the scheduler state: no maps/);
});

test('/healthz, unknown paths and methods', async (t) => {
  const { server, get } = await serve(t);
  const h = await get('/healthz');
  t.is(h.status, 200);
  t.is(JSON.parse(h.text).status, 'ok');
  t.is((await get('/nope')).status, 404);
  const post = await fetch(`${server.url}/metrics`, { method: 'POST' });
  t.is(post.status, 405);
  t.is(post.headers.get('allow'), 'GET, HEAD');
  const head = await fetch(`${server.url}/readyz`, { method: 'HEAD' });
  t.is(head.status, 200);
  t.is(await head.text(), '');
});

test('/metrics reuses a render within its refresh period: a burst of scrapes reads the kernel stats once', async (t) => {
  // A long period, so that a slow (loaded) machine cannot spread the burst past it.
  const { stats, get } = await serve(t, { metricsRefreshMs: 60_000, processMetrics: false });
  stats.snap.counters.direct = 1;
  const first = await Promise.all(Array.from({ length: 20 }, () => get('/metrics')));
  t.is(stats.calls, 1, 'concurrent scrapes share one snapshot');
  stats.snap.counters.direct = 2;
  const cached = parsePrometheusText((await get('/metrics')).text);
  t.is(value(cached.get('scx_slo_dispatches_total'), { path: 'direct' }), 1, 'within the period: the same render');
  t.true(first.every((r) => r.status === 200 && r.text === first[0]!.text));
  t.is(stats.calls, 1);
});

test('/metrics renders anew once the refresh period has passed', async (t) => {
  const { stats, get } = await serve(t, { metricsRefreshMs: 200, processMetrics: false });
  stats.snap.counters.direct = 1;
  await get('/metrics');
  stats.snap.counters.direct = 2;
  await new Promise((r) => setTimeout(r, 250));
  const fresh = parsePrometheusText((await get('/metrics')).text);
  t.is(value(fresh.get('scx_slo_dispatches_total'), { path: 'direct' }), 2);
  t.is(stats.calls, 2);
});

