// Where each task of a workload stands in its script (run X ns, sleep, wait for a
// request, done, exit), shared by both simulators (engine.ts and eevdf.ts): the cursor,
// the rest of the current burst, the request being served, and the per-group request
// latency (arrival to `done`). A simulator calls advance() when a task wakes or ends a
// burst and does the scheduling part (queue the wake-up, mark the task exited) itself.
import { LatencyHistogram } from './latency-histogram.js';
import { Op, type Workload } from './workload.js';

/** advance(): the task has a burst to run (its length in remainNs). */
export const STEP_RUN = 0;
/** advance(): the task sleeps or waits for a request until wakeNs. */
export const STEP_BLOCKED = 1;
/** advance(): the task's script is over. */
export const STEP_EXITED = 2;

export type ScriptStep = typeof STEP_RUN | typeof STEP_BLOCKED | typeof STEP_EXITED;

export class TaskScripts {
  /** Each task's next op (index into the workload's op arrays). */
  readonly cursor: Int32Array;
  /** Each task's op range end. */
  readonly opEnd: Int32Array;
  /** CPU time left in each task's current burst, ns (the simulator charges it). */
  readonly remainNs: Float64Array;
  /** Arrival time of the request each task is serving, ns, or -1. */
  readonly requestNs: Float64Array;
  /** Each task's group. */
  readonly group: Int32Array;
  /** Per group: whether any of its tasks has requests. */
  readonly hasRequests: Uint8Array;
  /** Per group: request arrival to `done`, ns, of completed requests. */
  readonly requestLatency: LatencyHistogram[];
  /** Per group: completed requests. */
  readonly requestsDone: Float64Array;
  /** Per group: completed requests whose latency was within the group's SLO budget (groups with an SLO). */
  readonly requestsWithinBudget: Float64Array;
  /** Per group: its SLO budget, ns, or Infinity without an SLO. */
  private readonly budgetNs: Float64Array;
  /** After advance() returned STEP_BLOCKED: when the task wakes, ns. */
  wakeNs = 0;
  /** Per group, its shared request queue's arrivals (ascending), or null. */
  private readonly arrivals: (Float64Array | null)[];
  /** Per group, the next request of its shared queue no task took yet. */
  private readonly nextArrival: Int32Array;
  private readonly opKind: Uint8Array;
  private readonly opArg: Float64Array;

  /** `slots` >= the workload's tasks: room for a simulator's pseudo-tasks after them (arrays only; they have no script). */
  constructor(w: Workload, slots = w.tasks.length) {
    const nt = Math.max(slots, w.tasks.length);
    const ng = w.groups.length;
    this.opKind = w.opKind;
    this.opArg = w.opArg;
    this.cursor = new Int32Array(nt);
    this.opEnd = new Int32Array(nt);
    this.remainNs = new Float64Array(nt);
    this.requestNs = new Float64Array(nt).fill(-1);
    this.group = new Int32Array(nt);
    this.hasRequests = new Uint8Array(ng);
    this.requestLatency = w.groups.map(() => new LatencyHistogram());
    this.requestsDone = new Float64Array(ng);
    this.requestsWithinBudget = new Float64Array(ng);
    this.budgetNs = Float64Array.from(w.groups, (g) => g.slo?.budgetNs ?? Infinity);
    this.arrivals = w.groups.map((_, g) => w.arrivalsNs?.[g] ?? null);
    this.nextArrival = new Int32Array(ng);
    w.tasks.forEach((t, i) => {
      this.cursor[i] = t.opStart;
      this.opEnd[i] = t.opEnd;
      this.group[i] = t.group;
      for (let j = t.opStart; j < t.opEnd; j++) {
        if (w.opKind[j] === Op.REQUEST || w.opKind[j] === Op.TAKE) {
          this.hasRequests[t.group] = 1;
          break;
        }
      }
    });
  }

  /**
   * Walks task k's ops from its cursor at time t until it must run (STEP_RUN, the burst
   * in remainNs), block (STEP_BLOCKED, until wakeNs) or exit (STEP_EXITED), recording
   * the requests it completes on the way.
   */
  advance(k: number, t: number): ScriptStep {
    const kinds = this.opKind;
    const args = this.opArg;
    const end = this.opEnd[k]!;
    let i = this.cursor[k]!;
    while (i < end) {
      const kind = kinds[i]!;
      const arg = args[i]!;
      i++;
      if (kind === Op.RUN) {
        if (arg > 0) {
          this.remainNs[k] = arg;
          this.cursor[k] = i;
          return STEP_RUN;
        }
      } else if (kind === Op.SLEEP) {
        this.cursor[k] = i;
        this.wakeNs = t + arg;
        return STEP_BLOCKED;
      } else if (kind === Op.REQUEST) {
        this.requestNs[k] = arg;
        if (arg > t) {
          this.cursor[k] = i;
          this.wakeNs = arg;
          return STEP_BLOCKED;
        }
      } else if (kind === Op.DONE) {
        const arrival = this.requestNs[k]!;
        if (arrival >= 0) {
          const g = this.group[k]!;
          this.requestLatency[g]!.record(t - arrival);
          this.requestsDone[g]!++;
          if (t - arrival <= this.budgetNs[g]!) this.requestsWithinBudget[g]!++;
          this.requestNs[k] = -1;
        }
      } else if (kind === Op.TAKE) {
        if (!this.take(k, t)) {
          this.cursor[k] = i;
          return STEP_BLOCKED;
        }
      } else {
        break; // EXIT
      }
    }
    this.cursor[k] = end;
    return STEP_EXITED;
  }

  /**
   * A TAKE: the next request of task k's group's queue is k's (requestNs). It has arrived
   * by t (true: k goes on), or k must wait for it, or for ever when none is left (false,
   * with wakeNs). A task that blocks first is served first, as with a FIFO of waiting
   * workers woken one per arrival.
   */
  private take(k: number, t: number): boolean {
    const g = this.group[k]!;
    const queue = this.arrivals[g];
    const next = this.nextArrival[g]!;
    if (queue === null || queue === undefined || next >= queue.length) {
      this.wakeNs = Infinity;
      return false;
    }
    const at = queue[next]!;
    this.nextArrival[g] = next + 1;
    this.requestNs[k] = at;
    if (at <= t) return true;
    this.wakeNs = at;
    return false;
  }

  /**
   * At the end of the replay: records into `latency` task k's requests that arrived
   * before `endNs` and are not done (the one it serves and the ones it has not reached),
   * each with its age at the end; returns how many.
   */
  recordUnfinished(k: number, endNs: number, latency: LatencyHistogram): number {
    let count = 0;
    const arrival = this.requestNs[k]!;
    if (arrival >= 0 && arrival < endNs) {
      latency.record(endNs - arrival);
      count++;
    }
    const stop = this.opEnd[k]!;
    for (let i = this.cursor[k]!; i < stop; i++) {
      if (this.opKind[i] !== Op.REQUEST) continue;
      const at = this.opArg[i]!;
      if (at >= endNs) break;
      latency.record(endNs - at);
      count++;
    }
    return count;
  }

  /**
   * At the end of the replay: records into `latency` the requests of group g's shared
   * queue that arrived before `endNs` and no task took, each with its age; returns how
   * many.
   */
  recordUntaken(g: number, endNs: number, latency: LatencyHistogram): number {
    const queue = this.arrivals[g];
    if (queue === null || queue === undefined) return 0;
    let count = 0;
    for (let i = this.nextArrival[g]!; i < queue.length; i++) {
      const at = queue[i]!;
      if (at >= endNs) break;
      latency.record(endNs - at);
      count++;
    }
    return count;
  }
}
