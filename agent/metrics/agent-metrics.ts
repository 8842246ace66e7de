// The agent's Prometheus metrics, computed from one SchedulerSnapshot per scrape (so all
// scheduler values in a scrape are consistent and counters are the kernel's exact
// monotonic values), the workload registry (namespace/pod labels), the SLO sources'
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
//   scx_slo_miss_events_dropped_total, scx_slo_preempt_kicks_total
//   scx_slo_userspace_lag_seconds                         histogram (kernel log2 buckets, no _sum)
//   scx_slo_attached                                      gauge    1 when our sched_ext scheduler is attached
//   scx_slo_mode{mode}                                    gauge    1 for the current mode (sched_ext|monitor|detached)
//   scx_slo_policy_info{policy,ops}                       gauge    always 1
//   scx_slo_policy_faults_total{kind}                     counter  kind=error|timeout: policy calls that threw
//                                                                  (or whose worker crashed) / missed the round deadline
//   scx_slo_policy_restarts_total                         counter  policy restarts after a fault
//   scx_slo_policy_failing                                gauge    1 from a policy fault until a call succeeds again
//   scx_slo_config_errors_total{source,field}             counter  source=annotation|slopolicy|config_file
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
// Per-workload labels: a pod's namespace and name and its cgroup path; a config-file
// cgroup has empty namespace and pod; cgroup id 0 (tasks without an SLO, if the kernel
// reports it) is cgroup="unconfigured"; an id no source knows is cgroup="unknown:<id>".
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { SchedulerMode, SchedulerSnapshot, SchedulerStatsSource } from '../kernel/scheduler-stats.js';
import type { WorkloadLookup } from '../slo/workload-registry.js';
import { ComputedMetric, type Sample } from './computed-metric.js';
import type { ConfigErrorCounter } from './config-errors.js';
import { lagHistogramSamples } from './lag-histogram.js';
import type { SloSource } from './slo-source-status.js';
import type { RunqueueLatencySnapshot } from '../monitor/rqlat-monitor.js';
import type { CgroupOwnerIndex } from './cgroup-owner-index.js';
import { runqueueLatencySamples } from './runqueue-latency-metric.js';
import { overloadState } from '../overload/overload-state.js';

export const METRIC_PREFIX = 'scx_slo_';
const MODES: readonly SchedulerMode[] = ['sched_ext', 'monitor', 'detached'];

export interface AgentMetricsInputs {
  stats: SchedulerStatsSource;
  workloads: WorkloadLookup;
  /** SLO sources whose status is exported (default none). */
  sources?: readonly SloSource[];
  configErrors?: ConfigErrorCounter;
  /** Include prom-client's process_* and nodejs_* metrics (default true). */
  processMetrics?: boolean;
  /** Monitoring-only mode: per-cgroup run-queue latency, and who owns each cgroup. */
  runqueueLatency?: { read: () => RunqueueLatencySnapshot; owners: CgroupOwnerIndex };
}

export interface AgentMetrics {
  readonly registry: Registry;
  /** Content-Type of render()'s output. */
  readonly contentType: string;
  /** Reads one scheduler snapshot and renders every metric in the Prometheus text format. */
  render(): Promise<string>;
}

/** Labels of one SLO cgroup's per-workload samples. */
export function workloadLabels(workloads: WorkloadLookup, cgroupId: number): { namespace: string; pod: string; cgroup: string } {
  if (cgroupId === 0) return { namespace: '', pod: '', cgroup: 'unconfigured' };
  const w = workloads.byCgroupId(cgroupId);
  if (!w) return { namespace: '', pod: '', cgroup: `unknown:${cgroupId}` };
  return { namespace: w.pod?.namespace ?? '', pod: w.pod?.name ?? '', cgroup: w.cgroupPath };
}

export function createAgentMetrics(inputs: AgentMetricsInputs): AgentMetrics {
  const registry = new Registry();
  if (inputs.processMetrics !== false) collectDefaultMetrics({ register: registry });
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
  counter('ring_full_total', 'Times the task ring buffer to the agent was full (the task went to the in-kernel fallback).', fromSnapshot((s) => [{ value: s.counters.fallback_ringfull }]));
  counter('deadline_misses_total', 'Tasks that first ran after their deadline, node-wide.', fromSnapshot((s) => [{ value: s.counters.deadline_misses }]));
  counter('miss_events_dropped_total', 'Deadline-miss events suppressed by the per-CPU rate limit.', fromSnapshot((s) => [{ value: s.counters.miss_events_dropped }]));
  counter('preempt_kicks_total', 'CPUs preempted for a task with an earlier deadline.', fromSnapshot((s) => [{ value: s.counters.preempt_kicks }]));

  const perWorkload = (f: (c: { runs: number; misses: number; waitNsSum: number }) => number) =>
    fromSnapshot((s) => [...s.cgroups].map(([id, c]) => ({ labels: workloadLabels(inputs.workloads, id), value: f(c) })));
  counter('workload_deadline_misses_total', 'Runs of a workload\'s tasks that started after their deadline, per SLO cgroup.', perWorkload((c) => c.misses));
  counter('workload_runs_total', 'Runs of a workload\'s tasks after an enqueue, per SLO cgroup.', perWorkload((c) => c.runs));
  counter('workload_wait_seconds_total', 'Total enqueue-to-run wait of a workload\'s tasks, per SLO cgroup.', perWorkload((c) => c.waitNsSum / 1e9));

  gauge('pod_overloaded', 'Whether a workload is overloaded right now (a deadline miss or negative slack in the last 50 ms): the load-shedding signal of /overload.',
    fromSnapshot((s) => [...s.cgroups].filter(([id]) => id !== 0).map(([id, c]) => ({
      labels: workloadLabels(inputs.workloads, id), value: overloadState(c, s.takenAtNs).overloaded ? 1 : 0,
    }))));

  new ComputedMetric(
    n('userspace_lag_seconds'),
    'How long tasks waited for the agent\'s decision (kernel log2 buckets; no _sum: the kernel keeps none).',
    'histogram',
    fromSnapshot((s) => lagHistogramSamples(n('userspace_lag_seconds'), s.lagHistogram)),
  ).registerIn(registry);

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
  gauge('mode', 'How the agent runs: 1 for the current mode (sched_ext, monitor or detached).', fromSnapshot((s) => MODES.map((m) => ({ labels: { mode: m }, value: s.mode === m ? 1 : 0 }))));
  counter('policy_faults_total', 'Policy calls that threw or whose worker crashed (error), or that missed the round deadline (timeout).', fromSnapshot((s) =>
    s.policyFaults ? [{ labels: { kind: 'error' }, value: s.policyFaults.errors }, { labels: { kind: 'timeout' }, value: s.policyFaults.timeouts }] : []));
  counter('policy_restarts_total', 'Policy restarts after a fault.', fromSnapshot((s) => (s.policyFaults ? [{ value: s.policyFaults.restarts }] : [])));
  gauge('policy_failing', '1 from a policy fault until a policy call succeeds again (the in-kernel EDF schedules meanwhile).', fromSnapshot((s) =>
    s.policyFaults ? [{ value: s.policyFaults.degraded ? 1 : 0 }] : []));
  gauge('policy_info', 'The scheduling policy in use and the sched_ext ops name; always 1.', fromSnapshot((s) => [{ labels: { policy: s.policy, ops: s.opsName }, value: 1 }]));

  counter('config_errors_total', 'Invalid SLO configuration values seen, by source and field (each distinct problem once).', () =>
    (inputs.configErrors?.list() ?? []).map((c) => ({ labels: { source: c.source, field: c.field }, value: c.count })),
  );
  const statuses = (): ReturnType<SloSource['status']>[] => sources.map((s) => s.status());
  gauge('source_synced', '1 when the SLO source has read its whole configuration at least once.', () => statuses().map((s) => ({ labels: { source: s.name }, value: s.synced ? 1 : 0 })));
  gauge('source_workloads', 'SLO entries the source keeps in the kernel table.', () => statuses().map((s) => ({ labels: { source: s.name }, value: s.entries })));
  gauge('source_workloads_unresolved', 'Workloads with an SLO whose cgroup was not found (yet).', () => statuses().map((s) => ({ labels: { source: s.name }, value: s.unresolved })));
  counter('source_store_errors_total', 'Failed writes of the source to the SLO table.', () => statuses().map((s) => ({ labels: { source: s.name }, value: s.storeErrors })));
  counter('source_watch_restarts_total', 'Restarts of a Kubernetes watch after an error, by watched resource.', () =>
    statuses().flatMap((s) => Object.entries(s.watchRestarts ?? {}).map(([resource, value]) => ({ labels: { source: s.name, resource }, value }))),
  );
  counter('stats_read_errors_total', 'Scrapes whose scheduler snapshot could not be read (scheduler metrics were left out).', () => [{ value: readErrors }]);

  return {
    registry,
    contentType: registry.contentType,
    async render(): Promise<string> {
      let current: SchedulerSnapshot | undefined;
      try {
        current = inputs.stats.snapshot();
      } catch {
        readErrors += 1;
      }
      // Every computed metric reads `snap` synchronously when metrics() starts, so
      // concurrent scrapes cannot see each other's snapshot.
      snap = current;
      try {
        return await registry.metrics();
      } finally {
        snap = undefined;
      }
    },
  };
}
