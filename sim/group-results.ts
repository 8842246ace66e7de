// The per-group results both simulators (engine.ts and eevdf.ts) report at the end of a
// replay: the tallies they kept while replaying, plus what was still in flight at the
// end (tasks still waiting for their first run, requests not yet done).
import type { GroupResult } from './sim-result.js';
import { edfDelayNs, sloOrDefault } from '../policy/deadline.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { TaskScripts } from './task-script.js';
import type { Workload } from './workload.js';

/**
 * What a simulator tallies per group while replaying (indexed by group; `slots` >= the
 * workload's groups leaves room for a simulator's pseudo-groups, e.g. the agent's).
 */
export class GroupTallies {
  /** SLO laxity (deadline - enqueue), ns, with the defaults for groups without SLO. */
  readonly delayNs: Float64Array;
  readonly wakeLatency: LatencyHistogram[];
  readonly runs: Float64Array;
  readonly lateRuns: Float64Array;
  readonly cpuNs: Float64Array;
  readonly bursts: Float64Array;

  constructor(w: Workload, slots = w.groups.length) {
    this.delayNs = new Float64Array(slots);
    w.groups.forEach((g, i) => {
      const slo = sloOrDefault(g.slo ?? undefined);
      this.delayNs[i] = edfDelayNs(slo.budgetNs, slo.importance);
    });
    this.wakeLatency = Array.from({ length: slots }, () => new LatencyHistogram());
    this.runs = new Float64Array(slots);
    this.lateRuns = new Float64Array(slots);
    this.cpuNs = new Float64Array(slots);
    this.bursts = new Float64Array(slots);
  }
}

/** Per task (indexed by task), the EDF job of its current enqueue. */
export class TaskJobs {
  /** Enqueue time, ns. */
  readonly enqNs: Float64Array;
  /** SLO deadline, ns. */
  readonly deadlineNs: Float64Array;
  /** 1 while the enqueue's first run is still to come. */
  readonly firstPending: Uint8Array;
  /** 1 when the enqueue was a wake-up (its wait counts as wake-up latency). */
  readonly wakeEnqueue: Uint8Array;

  constructor(slots: number) {
    this.enqNs = new Float64Array(slots);
    this.deadlineNs = new Float64Array(slots);
    this.firstPending = new Uint8Array(slots);
    this.wakeEnqueue = new Uint8Array(slots);
  }
}

/**
 * The groups' results at `endNs`: waits still in progress count with their length so far
 * (and as certain misses when past their deadline), unfinished requests with their age.
 */
export function groupResults(
  w: Workload,
  tallies: GroupTallies,
  jobs: TaskJobs,
  scripts: TaskScripts,
  waiting: (task: number) => boolean,
  endNs: number,
): GroupResult[] {
  const groups: GroupResult[] = w.groups.map((group, g) => ({
    group,
    delayNs: tallies.delayNs[g]!,
    tasks: 0,
    wakeLatency: tallies.wakeLatency[g]!,
    requestLatency: scripts.hasRequests[g] === 1 ? scripts.requestLatency[g]! : null,
    runs: tallies.runs[g]!,
    lateRuns: tallies.lateRuns[g]!,
    lateWaiting: 0,
    waitingAtEnd: 0,
    cpuNs: tallies.cpuNs[g]!,
    burstsCompleted: tallies.bursts[g]!,
    requestsCompleted: scripts.requestsDone[g]!,
    requestsWithinBudget: scripts.requestsWithinBudget[g]!,
    requestsUnfinished: 0,
  }));
  for (let k = 0; k < w.tasks.length; k++) {
    const gr = groups[scripts.group[k]!]!;
    gr.tasks++;
    if (jobs.firstPending[k] === 1 && waiting(k)) {
      gr.waitingAtEnd++;
      if (jobs.wakeEnqueue[k] === 1) gr.wakeLatency.record(endNs - jobs.enqNs[k]!);
      if (endNs > jobs.deadlineNs[k]!) gr.lateWaiting++;
    }
    if (gr.requestLatency !== null) gr.requestsUnfinished += scripts.recordUnfinished(k, endNs, gr.requestLatency);
  }
  groups.forEach((gr, g) => {
    if (gr.requestLatency !== null) gr.requestsUnfinished += scripts.recordUntaken(g, endNs, gr.requestLatency);
  });
  return groups;
}
