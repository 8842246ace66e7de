// What one replay gives, whichever scheduler it modelled (the scx-slo kernel side with a
// policy module, engine.ts, or the kernel-default baseline, eevdf.ts): per-group results,
// machine-wide totals and the model it ran with. result-json.ts, report-table.ts and
// cdf-plot-svg.ts turn it into the CLI's output.
import type { LatencyHistogram } from './latency-histogram.js';
import type { SimModel } from './sim-model.js';
import type { WorkloadGroup } from './workload.js';

/** Per-group results of one replay. */
export interface GroupResult {
  group: WorkloadGroup;
  /** SLO laxity (deadline - enqueue), ns, with the scheduler defaults for groups without SLO. */
  delayNs: number;
  tasks: number;
  /** Wake-up (and start) to first run, ns; waits still in progress at the end count with their length so far. */
  wakeLatency: LatencyHistogram;
  /** Request arrival to `done`, ns, or null when the group has no requests; unfinished requests count with their age at the end. */
  requestLatency: LatencyHistogram | null;
  /** Enqueues whose first run happened (every enqueue, not only wake-ups, as the kernel counts). */
  runs: number;
  /** Of those, first run after the SLO deadline. */
  lateRuns: number;
  /** Enqueues still waiting at the end whose deadline had passed (certain misses). */
  lateWaiting: number;
  /** Enqueues still waiting at the end. */
  waitingAtEnd: number;
  cpuNs: number;
  /** Completed `run` operations (work units for batch groups). */
  burstsCompleted: number;
  requestsCompleted: number;
  /** Of those, answered within the group's SLO budget (arrival to done <= budget_ns; 0 without an SLO). */
  requestsWithinBudget: number;
  requestsUnfinished: number;
}

export interface SimTotals {
  /** Events taken off the event queue (wake-ups, CPU timers, agent deliveries), superseded timers excluded. */
  events: number;
  enqueues: number;
  /** Tasks queued by the kernel fast path (urgent). */
  direct: number;
  /** Records handed to the policy. */
  toPolicy: number;
  contextSwitches: number;
  switchNs: number;
  idleNs: number;
  preemptKicks: number;
  /** Slices refilled because nothing else waited. */
  sliceRefills: number;
  /** Running jobs past their deadline renewed at a tick (fast-path policies only, where they matter). */
  deadlineRenewals: number;
  staleDecisions: number;
  badDecisions: number;
  /** Tasks the policy dropped (queued reached 0 with tasks undecided), run by the kernel EDF fallback. */
  lostTasks: number;
  /** CPU time the agent used (model.agentCpuNsPerRecord > 0; 0 otherwise), ns. */
  agentCpuNs: number;
  /** Records the agent took into its rounds. */
  agentRecords: number;
  /** Rounds the agent started. */
  agentRounds: number;
}

/** Totals before the first event. */
export function zeroTotals(): SimTotals {
  return {
    events: 0, enqueues: 0, direct: 0, toPolicy: 0, contextSwitches: 0, switchNs: 0, idleNs: 0,
    preemptKicks: 0, sliceRefills: 0, deadlineRenewals: 0, staleDecisions: 0, badDecisions: 0, lostTasks: 0,
    agentCpuNs: 0, agentRecords: 0, agentRounds: 0,
  };
}

export interface SimResult {
  policy: string;
  kernelFastPath: boolean;
  model: SimModel;
  workload: string;
  groups: GroupResult[];
  totals: SimTotals;
}
