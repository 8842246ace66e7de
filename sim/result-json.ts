// The `scx-slo sim --json` document (format "scx-slo-sim-result", version 1, described
// in JSON_OUTPUT.md): per policy and per group, wake-to-run and request latency
// percentiles, deadline misses, CPU share and batch throughput. Every number is finite;
// what cannot be computed (a percentile of no samples, a rate over zero runs) is null,
// with a note saying why.
import type { LatencyHistogram } from './latency-histogram.js';
import type { GroupResult, SimResult } from './sim-result.js';
import { eevdfBaseSliceNs } from './eevdf.js';
import type { Workload } from './workload.js';

export const RESULT_FORMAT = 'scx-slo-sim-result' as const;
export const RESULT_VERSION = 1 as const;

export interface LatencySummaryJson {
  /** Samples (including waits or requests still open at the end, counted with their age). */
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
  mean: number | null;
}

export interface GroupJson {
  kind: 'service' | 'batch';
  cgroup_id: number;
  tasks: number;
  slo: { budget_ns: number; importance: number } | null;
  /** deadline - enqueue for this group's tasks (budget * (101 - importance) / 100, defaults when no SLO). */
  deadline_delay_ns: number;
  wake_latency_ns: LatencySummaryJson;
  /** Present when the group's tasks serve requests. */
  request_latency_ns?: LatencySummaryJson;
  /**
   * `within_budget`: the fraction of the requests (completed and unfinished) answered
   * within the group's SLO budget, arrival to done <= budget_ns; present for groups with
   * an SLO, null when no request arrived.
   */
  requests?: { completed: number; unfinished: number; within_budget?: number | null };
  /** Enqueues whose first run happened. */
  runs: number;
  /** First runs after the deadline, plus enqueues still waiting past their deadline at the end. */
  deadline_misses: number;
  /** deadline_misses / (runs + enqueues still waiting past their deadline); null when both are 0. */
  miss_rate: number | null;
  waiting_at_end: number;
  cpu_ns: number;
  /** cpu_ns / (cpus * duration). */
  cpu_share: number;
  /** Present for batch groups. */
  batch?: {
    cpu_ns: number;
    /** Completed `run` operations (work units). */
    work_units: number;
    /** cpu_ns / (capacity - CPU used by service groups - context-switch overhead); null if nothing was left. */
    share_of_remaining: number | null;
  };
  notes: string[];
}

export interface PolicyJson {
  kernel_fast_path: boolean;
  totals: {
    events: number;
    enqueues: number;
    direct: number;
    to_policy: number;
    context_switches: number;
    preempt_kicks: number;
    deadline_renewals: number;
    slice_refills: number;
    stale_decisions: number;
    bad_decisions: number;
    lost_tasks: number;
    idle_share: number;
    switch_share: number;
    /** All batch groups' CPU over the capacity left by service groups and switching; null without batch groups or capacity. */
    batch_share_of_remaining: number | null;
    /** CPU the agent used (model agent_cpu_ns_per_record > 0; else 0), ns. */
    agent_cpu_ns: number;
    /** agent_cpu_ns over the capacity (CPUs x duration). */
    agent_share: number;
    /** Records the agent took into its rounds, and the rounds. */
    agent_records: number;
    agent_rounds: number;
  };
  groups: Record<string, GroupJson>;
}

export interface SimResultJson {
  format: typeof RESULT_FORMAT;
  version: typeof RESULT_VERSION;
  scenario: {
    name: string;
    source: string;
    trace_file: string | null;
    seed: number | null;
    cpus: number;
    duration_ns: number;
    /** `cpu_weight`: the group's cgroup cpu.weight, present only when the workload sets one (absent = 100). */
    groups: Array<{ name: string; kind: 'service' | 'batch'; cgroup_id: number; slo: { budget_ns: number; importance: number } | null; cpu_weight?: number }>;
    /** Kernel traces only: the wake-to-run latency the recorded kernel gave each group (wake-up to switch-in). */
    recorded_wake_latency_ns?: Record<string, LatencySummaryJson>;
  };
  model: {
    context_switch_ns: number;
    slice_ns: number;
    direct_max_ns: number;
    dispatch_batch: number;
    agent_lag_ns: number;
    /** The agent's CPU per record handed to the policy (0 = the agent is not modelled). */
    agent_cpu_ns_per_record: number;
    /** The agent's deadline offset (ctl.lag_ns); matters only with agent_cpu_ns_per_record > 0. */
    agent_deadline_ns: number;
    preempt_keeps_deadline: boolean;
    tick_ns: number;
    /** Wake-up cost of the scx-slo kernel side (policy modules). */
    wakeup_ns: number;
    /** Wake-up cost of the kernel-default baseline (eevdf). */
    baseline_wakeup_ns: number;
    /** The eevdf baseline's sysctl_sched_base_slice for this CPU count. */
    baseline_base_slice_ns: number;
    /** Whether the eevdf baseline models the cgroup hierarchy (false: `--eevdf-flat`). */
    baseline_cgroups: boolean;
    /** cpu.weight overrides for the eevdf baseline by group name (`--baseline-cpu-weight`); present only when given. */
    baseline_cpu_weights?: Record<string, number>;
  };
  policies: Record<string, PolicyJson>;
  warnings: string[];
}

export function latencySummary(h: LatencyHistogram): LatencySummaryJson {
  const mean = h.mean();
  return {
    count: h.count,
    p50: h.quantile(0.5),
    p90: h.quantile(0.9),
    p99: h.quantile(0.99),
    p999: h.quantile(0.999),
    max: h.count === 0 ? null : Math.round(h.max),
    mean: mean === null ? null : Math.round(mean),
  };
}

function ratio(num: number, den: number): number | null {
  return den > 0 && Number.isFinite(num / den) ? num / den : null;
}

function groupJson(g: GroupResult, capacity: number, remaining: number): GroupJson {
  const notes: string[] = [];
  const wake = latencySummary(g.wakeLatency);
  if (wake.count === 0) notes.push('no wake-ups recorded: wake latency percentiles are null');
  const misses = g.lateRuns + g.lateWaiting;
  const missRate = ratio(misses, g.runs + g.lateWaiting);
  if (missRate === null) notes.push('no runs: miss_rate is null');
  if (g.waitingAtEnd > 0) notes.push(`${g.waitingAtEnd} enqueues still waiting at the end (counted in wake latency with their wait so far)`);
  const out: GroupJson = {
    kind: g.group.kind,
    cgroup_id: g.group.cgroupId,
    tasks: g.tasks,
    slo: g.group.slo === null ? null : { budget_ns: g.group.slo.budgetNs, importance: g.group.slo.importance },
    deadline_delay_ns: g.delayNs,
    wake_latency_ns: wake,
    runs: g.runs,
    deadline_misses: misses,
    miss_rate: missRate,
    waiting_at_end: g.waitingAtEnd,
    cpu_ns: g.cpuNs,
    cpu_share: capacity > 0 ? g.cpuNs / capacity : 0,
    notes,
  };
  if (g.requestLatency !== null) {
    out.request_latency_ns = latencySummary(g.requestLatency);
    out.requests = { completed: g.requestsCompleted, unfinished: g.requestsUnfinished };
    if (g.group.slo !== null) {
      const total = g.requestsCompleted + g.requestsUnfinished;
      out.requests.within_budget = total > 0 ? g.requestsWithinBudget / total : null;
    }
    if (g.requestLatency.count === 0) notes.push('no requests arrived: request latency percentiles are null');
    if (g.requestsUnfinished > 0) notes.push(`${g.requestsUnfinished} requests unfinished at the end (counted in request latency with their age)`);
  }
  if (g.group.kind === 'batch') {
    const share = ratio(g.cpuNs, remaining);
    if (share === null) notes.push('no capacity left by services: share_of_remaining is null');
    out.batch = { cpu_ns: g.cpuNs, work_units: g.burstsCompleted, share_of_remaining: share };
  }
  return out;
}

/** CPU left for batch groups: capacity minus service groups' CPU and switching overhead. */
export function remainingCapacity(r: SimResult): number {
  const capacity = r.model.cpus * r.model.durationNs;
  const service = r.groups.filter((g) => g.group.kind === 'service').reduce((sum, g) => sum + g.cpuNs, 0);
  return capacity - service - r.totals.switchNs;
}

export function policyJson(r: SimResult): PolicyJson {
  const capacity = r.model.cpus * r.model.durationNs;
  const remaining = remainingCapacity(r);
  const groups: Record<string, GroupJson> = {};
  for (const g of r.groups) groups[g.group.name] = groupJson(g, capacity, remaining);
  const batchGroups = r.groups.filter((g) => g.group.kind === 'batch');
  const batchCpu = batchGroups.reduce((sum, g) => sum + g.cpuNs, 0);
  const t = r.totals;
  return {
    kernel_fast_path: r.kernelFastPath,
    totals: {
      events: t.events,
      enqueues: t.enqueues,
      direct: t.direct,
      to_policy: t.toPolicy,
      context_switches: t.contextSwitches,
      preempt_kicks: t.preemptKicks,
      deadline_renewals: t.deadlineRenewals,
      slice_refills: t.sliceRefills,
      stale_decisions: t.staleDecisions,
      bad_decisions: t.badDecisions,
      lost_tasks: t.lostTasks,
      idle_share: capacity > 0 ? t.idleNs / capacity : 0,
      switch_share: capacity > 0 ? t.switchNs / capacity : 0,
      batch_share_of_remaining: batchGroups.length === 0 ? null : ratio(batchCpu, remaining),
      agent_cpu_ns: t.agentCpuNs,
      agent_share: capacity > 0 ? t.agentCpuNs / capacity : 0,
      agent_records: t.agentRecords,
      agent_rounds: t.agentRounds,
    },
    groups,
  };
}

export function resultJson(
  workload: Workload,
  traceFile: string | null,
  results: readonly SimResult[],
  warnings: readonly string[],
  recorded: ReadonlyMap<string, LatencyHistogram> | null = null,
): SimResultJson {
  const model = results[0]?.model;
  const policies: Record<string, PolicyJson> = {};
  for (const r of results) policies[r.policy] = policyJson(r);
  const doc: SimResultJson = {
    format: RESULT_FORMAT,
    version: RESULT_VERSION,
    scenario: {
      name: workload.name,
      source: workload.source,
      trace_file: traceFile,
      seed: workload.seed ?? null,
      cpus: model?.cpus ?? workload.cpus,
      duration_ns: model?.durationNs ?? workload.durationNs,
      groups: workload.groups.map((g) => ({
        name: g.name,
        kind: g.kind,
        cgroup_id: g.cgroupId,
        slo: g.slo === null ? null : { budget_ns: g.slo.budgetNs, importance: g.slo.importance },
        ...(g.cpuWeight === undefined ? {} : { cpu_weight: g.cpuWeight }),
      })),
    },
    model: {
      context_switch_ns: model?.contextSwitchNs ?? 0,
      slice_ns: model?.sliceNs ?? 0,
      direct_max_ns: model?.directMaxNs ?? 0,
      dispatch_batch: model?.dispatchBatch ?? 1,
      agent_lag_ns: model?.agentLagNs ?? 0,
      agent_cpu_ns_per_record: model?.agentCpuNsPerRecord ?? 0,
      agent_deadline_ns: model?.agentDeadlineNs ?? 0,
      preempt_keeps_deadline: model?.preemptKeepsDeadline ?? true,
      tick_ns: model?.tickNs ?? 0,
      wakeup_ns: model?.wakeupNs ?? 0,
      baseline_wakeup_ns: model?.baselineWakeupNs ?? 0,
      baseline_base_slice_ns: eevdfBaseSliceNs(model?.cpus ?? workload.cpus),
      baseline_cgroups: model?.baselineCgroups ?? true,
      ...(model?.baselineCpuWeights === undefined || Object.keys(model.baselineCpuWeights).length === 0
        ? {}
        : { baseline_cpu_weights: { ...model.baselineCpuWeights } }),
    },
    policies,
    warnings: [...warnings],
  };
  if (recorded !== null) {
    const rec: Record<string, LatencySummaryJson> = {};
    for (const [name, h] of recorded) rec[name] = latencySummary(h);
    doc.scenario.recorded_wake_latency_ns = rec;
  }
  return doc;
}
