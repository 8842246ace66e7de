// The agent's Prometheus metrics, computed from one SchedulerSnapshot (so all scheduler
// values in a scrape are consistent and counters are the kernel's exact monotonic
// values), the workload registry (namespace/pod labels), the SLO sources'
// status and the configuration error counts. Names follow Prometheus conventions: prefix
// scx_slo_, counters end in _total, units in the name (seconds).
//
//   scx_slo_tasks_enqueued_total                          counter  ops.enqueue calls
//   scx_slo_tasks_to_userspace_total                      counter  tasks handed to the agent
//   scx_slo_dispatches_total{path,reason}                 counter  path=userspace|direct|fallback,
//                                                                  reason=lag|ring_full|stalled|idle_cpu (fallback only)
//   scx_slo_decisions_dropped_total{reason}               counter  reason=stale|invalid
//   scx_slo_ring_full_total                               counter  tasks not handed over: ring buffer full
//   scx_slo_deadline_misses_total                         counter  node-wide
//   scx_slo_workload_deadline_misses_total{namespace,pod,cgroup}   per SLO cgroup
//   scx_slo_workload_runs_total{namespace,pod,cgroup}
//   scx_slo_workload_wait_seconds_total{namespace,pod,cgroup}      enqueue-to-run wait
//   scx_slo_miss_events_dropped_total, scx_slo_preemptions_total, scx_slo_scan_cutoffs_total
//   scx_slo_agent_wakeups_total                           counter  batched wake-ups of the agent (--wake-batch)
//   scx_slo_task_exits_total{outcome}                     counter  outcome=sent|dropped: exits reported to the agent
//   scx_slo_userspace_lag_seconds                         histogram (kernel log2 buckets, no _sum)
//   scx_slo_workload_lateness_seconds{namespace,pod,cgroup} histogram  how late missed runs started
//                                                                  (the kernel's rate-limited miss events)
//   scx_slo_attached                                      gauge    1 when our sched_ext scheduler is attached
//   scx_slo_mode{mode}                                    gauge    1 for the current mode (sched_ext|monitor|detached)
//   scx_slo_policy_info{policy,ops}                       gauge    always 1
//   scx_slo_build_info{version,commit,kernel}             gauge    always 1
//   scx_slo_policy_faults_total{kind}                     counter  kind=error|timeout: policy calls that threw
//                                                                  (or whose worker crashed) / missed the round deadline
//   scx_slo_policy_restarts_total                         counter  policy restarts after a fault
//   scx_slo_policy_failing                                gauge    1 from a policy fault until a call succeeds again
//   scx_slo_config_errors_total{source,field}             counter  source=annotation|slopolicy|config_file
//   scx_slo_grant_clamps_total{namespace,field}           counter  pod SLOs clamped to their namespace's
//                                                                  grant, field=budget|importance
//   scx_slo_source_synced{source}, scx_slo_source_workloads{source},
//   scx_slo_source_workloads_unresolved{source}           gauges
//   scx_slo_source_store_errors_total{source}, scx_slo_source_watch_restarts_total{source,resource}
//   scx_slo_stats_read_errors_total                       counter  snapshots that could not be read
//   scx_slo_pod_overloaded{namespace,pod,cgroup}          gauge    1 while the workload is overloaded
//                                                                  (the /overload rule, default window)
//   scx_slo_runqueue_latency_seconds{namespace,pod,cgroup} histogram  monitoring-only mode: wake-up
//                                                                  to running, per workload (its cgroup
//                                                                  and descendants), other cgroups summed
// plus prom-client's process_* and nodejs_* metrics.
//
// Scrapes cannot slow the scheduler: the rendered text is reused for `minRefreshMs`
// (default 1 s), concurrent scrapes share one render, the snapshot is read with
// snapshotAsync (the per-workload map in slices) and the per-workload families are
// formatted in slices (workload-metrics-text.ts), so no stretch of a render holds the
// agent's event loop (its decision loop) for more than a few ms.
//
// Per-workload labels: a pod's namespace and name and its cgroup path; a config-file
// cgroup has empty namespace and pod; cgroup id 0 (tasks without an SLO, if the kernel
// reports it) is cgroup="unconfigured"; an id no source knows is not exported (workloadLabels
// still names it cgroup="unknown:<id>" for the overload endpoint's JSON).
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { SchedulerMode, SchedulerSnapshot, SchedulerStatsSource } from '../kernel/scheduler-stats.js';
import type { WorkloadLookup } from '../slo/workload-registry.js';
import { ComputedMetric, type Sample } from './computed-metric.js';
import type { ConfigErrorCounter } from './config-errors.js';
import type { GrantClampCounter } from './grant-clamps.js';
import { lagHistogramSamples } from './lag-histogram.js';
import type { SloSource } from './slo-source-status.js';
import type { RunqueueLatencySnapshot } from '../monitor/rqlat-monitor.js';
import type { CgroupOwnerIndex } from './cgroup-owner-index.js';
import { runqueueLatencySamples } from './runqueue-latency-metric.js';
import { DEFAULT_OVERLOAD_RULE, type OverloadRule } from '../overload/overload-state.js';
import { buildInfo } from './build-info.js';
import { WorkloadMetricsText } from './workload-metrics-text.js';

export const METRIC_PREFIX = 'scx_slo_';
const MODES: readonly SchedulerMode[] = ['sched_ext', 'monitor', 'detached'];

export interface AgentMetricsInputs {
  stats: SchedulerStatsSource;
  workloads: WorkloadLookup;
  /** SLO sources whose status is exported (default none). */
  sources?: readonly SloSource[];
  configErrors?: ConfigErrorCounter;
  grantClamps?: GrantClampCounter;
  /** Include prom-client's process_* and nodejs_* metrics (default true). */
  processMetrics?: boolean;
  /** The overload rule of scx_slo_pod_overloaded (default: the /overload default). */
  overloadRule?: Partial<OverloadRule>;
  /** The kernel's deadline-miss events, per workload (attached mode). */
  missLateness?: { samples(name: string): Sample[] };
  /** Monitoring-only mode: per-cgroup run-queue latency, and who owns each cgroup. */
  runqueueLatency?: { read: () => RunqueueLatencySnapshot; owners: CgroupOwnerIndex };
  /** Reuse a render for this long, ms (default 1000; 0: render every scrape). */
  minRefreshMs?: number;
}

export interface AgentMetrics {
  readonly registry: Registry;
  /** Content-Type of render()'s output. */
  readonly contentType: string;
  /**
   * Every metric in the Prometheus text format, from one scheduler snapshot: the last
   * render when younger than minRefreshMs, else a new one (shared by concurrent callers).
   */
  render(): Promise<string>;
  /** The same as UTF-8 bytes (what the HTTP server sends; no copy per scrape). */
  renderBytes(): Promise<Buffer>;
  /**
   * The same render gzip-compressed (for scrapers that accept it, as Prometheus does):
   * compressed once per render, in libuv's thread pool, off the event loop.
   */
  renderGzip(): Promise<Buffer>;
  /** How many renders (snapshot reads) were done. */
  readonly renders: number;
}

/** Labels of one SLO cgroup's per-workload samples. */
export function workloadLabels(workloads: WorkloadLookup, cgroupId: number): { namespace: string; pod: string; cgroup: string } {
  if (cgroupId === 0) return { namespace: '', pod: '', cgroup: 'unconfigured' };
  const w = workloads.byCgroupId(cgroupId);
  if (!w) return { namespace: '', pod: '', cgroup: `unknown:${cgroupId}` };
  return { namespace: w.pod?.namespace ?? '', pod: w.pod?.name ?? '', cgroup: w.cgroupPath };
}

const gzipAsync = promisify(gzip);

/** nodejs_eventloop_lag_*: the delay histogram's sampling period. */
const EVENT_LOOP_SAMPLE_MS = 100;

export function createAgentMetrics(inputs: AgentMetricsInputs): AgentMetrics {
  const registry = new Registry();
  // The event-loop delay histogram samples every 100 ms, not prom-client's default 10 ms:
  // its timer woke the agent's main thread 100 times a second, an agent round's worth of
  // CPU each under emulation (bench/RESULTS.md, Delegation); lag spikes still show.
  if (inputs.processMetrics !== false) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  let snap: SchedulerSnapshot | undefined;
  let readErrors = 0;
  const sources = inputs.sources ?? [];
  const n = (name: string): string => `${METRIC_PREFIX}${name}`;
  const fromSnapshot = (f: (s: SchedulerSnapshot) => Sample[]): (() => Sample[]) => () => (snap ? f(snap) : []);
  const counter = (name: string, help: string, read: () => Sample[]): void => {
    new ComputedMetric(n(name), help, 'counter', read).registerIn(registry);
  };
  const gauge = (name: string, help: string, read: () => Sample[]): void => {
    new ComputedMetric(n(name), help, 'gauge', read).registerIn(registry);
  };

  counter('tasks_enqueued_total', 'Tasks enqueued by the scheduler (ops.enqueue calls).', fromSnapshot((s) => [{ value: s.counters.enqueued }]));
  counter('tasks_to_userspace_total', 'Tasks handed to the userspace agent for a decision.', fromSnapshot((s) => [{ value: s.counters.to_user }]));
  counter(
    'dispatches_total',
    'Tasks dispatched, by path: userspace (in the order the agent decided), direct (by the kernel at once), fallback (in-kernel EDF, with the reason).',
    fromSnapshot((s) => [
      { labels: { path: 'userspace', reason: '' }, value: s.counters.user_dispatched },
      { labels: { path: 'direct', reason: '' }, value: s.counters.direct },
      { labels: { path: 'fallback', reason: 'lag' }, value: s.counters.fallback_lag },
      { labels: { path: 'fallback', reason: 'ring_full' }, value: s.counters.fallback_ringfull },
      { labels: { path: 'fallback', reason: 'stalled' }, value: s.counters.fallback_stalled },
      { labels: { path: 'fallback', reason: 'idle_cpu' }, value: s.counters.fallback_idle },
    ]),
  );
  counter(
    'decisions_dropped_total',
    'Agent decisions the kernel dropped: stale (task already dispatched, requeued or gone) or invalid (malformed).',
    fromSnapshot((s) => [
      { labels: { reason: 'stale' }, value: s.counters.stale_decisions },
      { labels: { reason: 'invalid' }, value: s.counters.bad_decisions },
    ]),
  );
  counter(
    'ring_full_total',
    'Times the task ring buffer to the agent was full (the task went to the in-kernel fallback).',
    fromSnapshot((s) => [{ value: s.counters.fallback_ringfull }]),
  );
  counter('deadline_misses_total', 'Tasks that first ran after their deadline, node-wide.', fromSnapshot((s) => [{ value: s.counters.deadline_misses }]));
  counter(
    'miss_events_dropped_total',
    'Deadline-miss events suppressed by the per-CPU rate limit.',
    fromSnapshot((s) => [{ value: s.counters.miss_events_dropped }]),
  );
  counter('preemptions_total', 'CPUs preempted for a task with an earlier deadline.', fromSnapshot((s) => [{ value: s.counters.preemptions }]));
  counter(
    'task_exits_total',
    'Exits of tasks once handed to the agent, by outcome: sent to the agent through the task ring (its policy forgets them), ' +
      'or dropped because the ring was full.',
    fromSnapshot((s) => [
      { labels: { outcome: 'sent' }, value: s.counters.exits_to_user },
      { labels: { outcome: 'dropped' }, value: s.counters.exits_dropped },
    ]),
  );
  counter(
    'scan_cutoffs_total',
    'Dispatches whose walk of the pending queue stopped at its per-dispatch budget.',
    fromSnapshot((s) => [{ value: s.counters.scan_cutoffs }]),
  );
  counter(
    'agent_wakeups_total',
    'Batched wake-ups of the agent by the kernel (--wake-batch > 1): a batch waited, or its oldest task was overdue.',
    fromSnapshot((s) => [{ value: s.counters.agent_wakeups }]),
  );

  const overloadRule: OverloadRule = { ...DEFAULT_OVERLOAD_RULE, ...inputs.overloadRule };
  // workload_deadline_misses_total, workload_runs_total, workload_wait_seconds_total and
  // pod_overloaded: formatted in slices by workload-metrics-text.ts (see render()).
  const workloadText = new WorkloadMetricsText(METRIC_PREFIX, inputs.workloads, undefined, overloadRule);

  new ComputedMetric(
    n('userspace_lag_seconds'),
    'How long tasks waited for the agent\'s decision (kernel log2 buckets; no _sum: the kernel keeps none).',
    'histogram',
    fromSnapshot((s) => lagHistogramSamples(n('userspace_lag_seconds'), s.lagHistogram)),
  ).registerIn(registry);

  const lateness = inputs.missLateness;
  if (lateness) {
    new ComputedMetric(
      n('workload_lateness_seconds'),
      'How late a workload\'s missed runs started after their deadline, from the kernel\'s miss events ' +
        '(rate-limited per CPU: a sample of the misses; the exact count is scx_slo_workload_deadline_misses_total).',
      'histogram',
      () => lateness.samples(n('workload_lateness_seconds')),
    ).registerIn(registry);
  }

  const rqlat = inputs.runqueueLatency;
  if (rqlat) {
    new ComputedMetric(
      n('runqueue_latency_seconds'),
      'Run-queue latency (wake-up or preemption to running) of a workload\'s tasks, measured in monitoring-only mode; other cgroups summed as cgroup="other".',
      'histogram',
      () => runqueueLatencySamples(n('runqueue_latency_seconds'), rqlat.read(), rqlat.owners),
    ).registerIn(registry);
  }

  gauge('attached', '1 when the scx-slo sched_ext scheduler is attached, else 0.', fromSnapshot((s) => [{ value: s.mode === 'sched_ext' ? 1 : 0 }]));
  gauge(
    'mode',
    'How the agent runs: 1 for the current mode (sched_ext, monitor or detached).',
    fromSnapshot((s) => MODES.map((m) => ({ labels: { mode: m }, value: s.mode === m ? 1 : 0 }))),
  );
  gauge('build_info', 'The scx-slo version, the commit it was built from and the running kernel; always 1.', () => {
    const b = buildInfo();
    return [{ labels: { version: b.version, commit: b.commit, kernel: b.kernel }, value: 1 }];
  });
  counter('policy_faults_total', 'Policy calls that threw or whose worker crashed (error), or that missed the round deadline (timeout).', fromSnapshot((s) =>
    s.policyFaults ? [{ labels: { kind: 'error' }, value: s.policyFaults.errors }, { labels: { kind: 'timeout' }, value: s.policyFaults.timeouts }] : []));
  counter('policy_restarts_total', 'Policy restarts after a fault.', fromSnapshot((s) => (s.policyFaults ? [{ value: s.policyFaults.restarts }] : [])));
  gauge('policy_failing', '1 from a policy fault until a policy call succeeds again (the in-kernel EDF schedules meanwhile).', fromSnapshot((s) =>
    s.policyFaults ? [{ value: s.policyFaults.degraded ? 1 : 0 }] : []));
  gauge(
    'policy_info',
    'The scheduling policy in use and the sched_ext ops name; always 1.',
    fromSnapshot((s) => [{ labels: { policy: s.policy, ops: s.opsName }, value: 1 }]),
  );

  counter('config_errors_total', 'Invalid SLO configuration values seen, by source and field (each distinct problem once).', () =>
    (inputs.configErrors?.list() ?? []).map((c) => ({ labels: { source: c.source, field: c.field }, value: c.count })),
  );
  counter('grant_clamps_total', 'Pod SLOs clamped to what their namespace was granted (each distinct clamp of a pod once), by namespace and field.', () =>
    (inputs.grantClamps?.list() ?? []).map((c) => ({ labels: { namespace: c.namespace, field: c.field }, value: c.count })),
  );
  const statuses = (): ReturnType<SloSource['status']>[] => sources.map((s) => s.status());
  gauge('source_synced', '1 when the SLO source has read its whole configuration at least once.', () =>
    statuses().map((s) => ({ labels: { source: s.name }, value: s.synced ? 1 : 0 })),
  );
  gauge('source_workloads', 'SLO entries the source keeps in the kernel table.', () =>
    statuses().map((s) => ({ labels: { source: s.name }, value: s.entries })),
  );
  gauge('source_workloads_unresolved', 'Workloads with an SLO whose cgroup was not found (yet).', () =>
    statuses().map((s) => ({ labels: { source: s.name }, value: s.unresolved })),
  );
  counter('source_store_errors_total', 'Failed writes of the source to the SLO table.', () =>
    statuses().map((s) => ({ labels: { source: s.name }, value: s.storeErrors })),
  );
  counter('source_watch_restarts_total', 'Restarts of a Kubernetes watch after an error, by watched resource.', () =>
    statuses().flatMap((s) => Object.entries(s.watchRestarts ?? {}).map(([resource, value]) => ({ labels: { source: s.name, resource }, value }))),
  );
  counter('stats_read_errors_total', 'Scrapes whose scheduler snapshot could not be read (scheduler metrics were left out).', () => [{ value: readErrors }]);

  const minRefreshMs = inputs.minRefreshMs ?? 1000;
  let renders = 0;
  let last: { bytes: Buffer; at: number; gzip?: Promise<Buffer> } | undefined;
  let inflight: Promise<Buffer> | undefined;

  const renderNow = async (): Promise<Buffer> => {
    renders += 1;
    let current: SchedulerSnapshot | undefined;
    try {
      const stats = inputs.stats;
      current = stats.snapshotAsync ? await stats.snapshotAsync() : stats.snapshot();
    } catch {
      readErrors += 1;
    }
    // Every computed metric reads `snap` synchronously when metrics() starts; renders
    // never overlap (see render()).
    snap = current;
    let text: string;
    try {
      text = await registry.metrics();
    } finally {
      snap = undefined;
    }
    const head = Buffer.from(text, 'utf8');
    return current ? Buffer.concat([head, await workloadText.render(current)]) : head;
  };

  const renderBytes = (): Promise<Buffer> => {
    if (last && performance.now() - last.at < minRefreshMs) return Promise.resolve(last.bytes);
    if (!inflight) {
      inflight = renderNow().then(
        (bytes) => {
          last = { bytes, at: performance.now() };
          inflight = undefined;
          return bytes;
        },
        (err: unknown) => {
          inflight = undefined;
          throw err;
        },
      );
    }
    return inflight;
  };

  return {
    registry,
    contentType: registry.contentType,
    get renders() {
      return renders;
    },
    async render(): Promise<string> {
      return (await renderBytes()).toString('utf8');
    },
    renderBytes,
    async renderGzip(): Promise<Buffer> {
      const bytes = await renderBytes();
      const current = last!;
      if (current.bytes !== bytes) return gzipAsync(bytes, { level: 4 });
      current.gzip ??= gzipAsync(bytes, { level: 4 });
      return current.gzip;
    },
  };
}
