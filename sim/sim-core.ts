// The simulator core both schedulers share: engine.ts (the scx-slo kernel side with a
// policy module) and eevdf.ts (the model of the kernel's default fair class) extend
// SimCore and plug in what is theirs. The core holds:
//   - the event loop: wake-ups and the schedulers' own events (a heap-js queue of pooled
//     events, by time, then by when they were queued) and one timer per CPU (a tournament
//     tree over the CPUs, cpu-min-tree.ts, re-armed in place); a CPU timer comes before an
//     event at the same time (the engine's rule) or takes its place among the events by
//     when it was armed (the eevdf model's rule, as if it were one of them);
//   - the task bookkeeping: where each task is in its script (task-script.ts), its EDF job
//     (the SLO deadline both schedulers report misses against), its state, CPU time and
//     previous CPU, and the per-group tallies (group-results.ts);
//   - the CPU bookkeeping: the running task, the last one (a context switch costs
//     model.contextSwitchNs), when its current stretch of execution began, idle time;
//   - the results (sim-result.ts) at the end.
// A scheduler implements the hooks: what a wake-up does, what a woken task reaching the
// scheduler does (after its wake-up cost), what a CPU timer does, what its own events do,
// and its invariants.
import { Heap } from 'heap-js';
import { CpuMinTree } from './cpu-min-tree.js';
import { groupResults, GroupTallies, TaskJobs } from './group-results.js';
import type { LatencyHistogram } from './latency-histogram.js';
import { zeroTotals, type SimResult, type SimTotals } from './sim-result.js';
import { validateModel, type SimModel } from './sim-model.js';
import { STEP_BLOCKED, STEP_EXITED, TaskScripts, type ScriptStep } from './task-script.js';
import type { Workload } from './workload.js';

export interface SimOptions {
  /** Options given to the policy (`--policy-opt`). */
  policyOptions?: Readonly<Record<string, string>>;
  /** Called now and then with the fraction of simulated time done (0..1). */
  onProgress?: (fraction: number) => void;
  /** Check scheduler invariants after every event (slow; for tests). Throws on a violation. */
  checkInvariants?: boolean;
}

// Task states every scheduler has; a scheduler numbers its own from S_SCHEDULER.
/** Sleeping, waiting for a request, or not started. */
export const S_BLOCKED = 0;
/** Its script is over. */
export const S_EXITED = 1;
/** Woken, on its way into the scheduler (the wake-up cost). */
export const S_WAKING = 2;
export const S_RUNNING = 3;
/** The first state number a scheduler may use for its own states. */
export const S_SCHEDULER = 4;

// Event kinds the core handles; a scheduler numbers its own from EV_SCHEDULER.
/** A task wakes (or starts): its script goes on. */
const EV_WAKE = 0;
/** A woken task reaches the scheduler, after the wake-up cost. */
const EV_QUEUE = 1;
/** The first event kind a scheduler may use for its own events (SimCore.onEvent()). */
export const EV_SCHEDULER = 2;

/** A pooled event; `gen` is the scheduler's (e.g. the enqueue sequence an agent delivery is for). */
class SimEvent {
  time = 0;
  order = 0;
  kind = 0;
  target = 0;
  gen = 0;
}

function byTimeThenOrder(a: SimEvent, b: SimEvent): number {
  return a.time - b.time || a.order - b.order;
}

export abstract class SimCore {
  protected readonly n: number;
  protected readonly end: number;
  protected readonly csw: number;

  // Tasks (indexed by task; a scheduler may have pseudo-tasks after the workload's).
  /** Where each task is in its script; tRemain and tGroup are its arrays. */
  protected readonly scripts: TaskScripts;
  protected readonly tGroup: Int32Array;
  protected readonly tState: Uint8Array;
  protected readonly tRemain: Float64Array;
  /** CPU time so far, ns. */
  protected readonly tRuntime: Float64Array;
  /** Per-task EDF jobs (tEnq, tKdl, tWakeEnq, tFirstPending are its arrays). */
  protected readonly jobs: TaskJobs;
  protected readonly tEnq: Float64Array;
  protected readonly tKdl: Float64Array;
  protected readonly tWakeEnq: Uint8Array;
  protected readonly tFirstPending: Uint8Array;
  protected readonly tPrevCpu: Int32Array;

  // Groups (indexed by group; a scheduler may have pseudo-groups after the workload's).
  /** Per-group tallies (gDelay, gWake, ... are views of its arrays). */
  protected readonly tally: GroupTallies;
  protected readonly gDelay: Float64Array;
  protected readonly gWake: LatencyHistogram[];
  protected readonly gRuns: Float64Array;
  protected readonly gLate: Float64Array;
  protected readonly gCpu: Float64Array;
  protected readonly gBursts: Float64Array;

  // CPUs.
  /** The task running on each CPU, else -1. */
  protected readonly cpuTask: Int32Array;
  /** The last task each CPU ran (switching to another costs contextSwitchNs). */
  protected readonly cpuLast: Int32Array;
  /** When the running task's execution since it was last charged began (after a switch). */
  protected readonly cpuFrom: Float64Array;
  /** Since when each CPU is idle, or -1 when it is not. */
  protected readonly cpuIdleSince: Float64Array;
  /** Each CPU's timer (Infinity = none). */
  protected readonly timers: CpuMinTree;
  protected readonly cpuTimerAt: Float64Array;

  private readonly events = new Heap<SimEvent>(byTimeThenOrder);
  private readonly pool: SimEvent[] = [];
  private eventOrder = 0;
  protected readonly totals: SimTotals = zeroTotals();
  private ran = false;

  /**
   * `taskSlots` and `groupSlots` leave room for a scheduler's pseudo-tasks and
   * pseudo-groups after the workload's. `timersAsEvents`: the scheduler arms its CPU
   * timers with setCpuTimerAsEvent() (else setCpuTimer()).
   */
  constructor(
    protected readonly workload: Workload,
    protected readonly model: SimModel,
    protected readonly options: SimOptions,
    taskSlots: number,
    groupSlots: number,
    timersAsEvents: boolean,
  ) {
    validateModel(model);
    const n = model.cpus;
    this.n = n;
    this.end = model.durationNs;
    this.csw = model.contextSwitchNs;

    this.scripts = new TaskScripts(workload, taskSlots);
    this.tGroup = this.scripts.group;
    this.tState = new Uint8Array(taskSlots);
    this.tRemain = this.scripts.remainNs;
    this.tRuntime = new Float64Array(taskSlots);
    this.jobs = new TaskJobs(taskSlots);
    this.tEnq = this.jobs.enqNs;
    this.tKdl = this.jobs.deadlineNs;
    this.tWakeEnq = this.jobs.wakeEnqueue;
    this.tFirstPending = this.jobs.firstPending;
    this.tPrevCpu = new Int32Array(taskSlots).fill(-1);

    this.tally = new GroupTallies(workload, groupSlots);
    this.gDelay = this.tally.delayNs;
    this.gWake = this.tally.wakeLatency;
    this.gRuns = this.tally.runs;
    this.gLate = this.tally.lateRuns;
    this.gCpu = this.tally.cpuNs;
    this.gBursts = this.tally.bursts;

    this.cpuTask = new Int32Array(n).fill(-1);
    this.cpuLast = new Int32Array(n).fill(-1);
    this.cpuFrom = new Float64Array(n);
    // Every CPU starts idle.
    this.cpuIdleSince = new Float64Array(n).fill(0);
    this.timers = new CpuMinTree(n, Infinity, timersAsEvents);
    this.cpuTimerAt = this.timers.value;
  }

  // ---- what a scheduler plugs in ------------------------------------------------------------

  /** Task k wakes (or starts) at t. */
  protected abstract onWake(k: number, t: number): void;
  /** Woken task k reaches the scheduler at t, after the wake-up cost (queued with queueWoken()). */
  protected abstract onWokenArrives(k: number, t: number): void;
  /** CPU c's timer fires at t; the handler re-arms or clears it on every path. */
  protected abstract onCpuTimer(c: number, t: number): void;
  /** One of the scheduler's own events (kind >= EV_SCHEDULER). */
  protected onEvent(kind: number, target: number, gen: number, t: number): void {
    throw new Error(`event kind ${kind} (target ${target}, gen ${gen}, t=${t}) has no handler`);
  }
  /** After every event, at `now` (e.g. idle CPUs look for work the event left for them). */
  protected afterEvent(_now: number): void {}
  /** Charges CPU c's running task up to t (at the end of the replay). */
  protected abstract chargeUntil(c: number, t: number): void;
  /** Task k's script is over (after its state became S_EXITED). */
  protected onExit(_k: number): void {}
  /** Task k waits for a CPU (runnable, not running) at the end of the replay. */
  protected abstract isWaiting(k: number): boolean;
  /** Throws when a scheduler invariant does not hold at t (tests). */
  protected abstract checkInvariants(t: number): void;
  /** The results' `policy` name and whether it has the kernel fast path. */
  protected abstract describe(): { policy: string; kernelFastPath: boolean };
  /** The totals as reported. */
  protected resultTotals(): SimTotals {
    return { ...this.totals };
  }

  // ---- the event loop -------------------------------------------------------------------------

  /** Runs the replay to the end of the model's duration and returns the results. */
  run(): SimResult {
    if (this.ran) throw new Error('a simulation runs once; create a new one');
    this.ran = true;
    const w = this.workload;
    for (let i = 0; i < w.tasks.length; i++) {
      const start = w.tasks[i]!.startNs;
      if (start < this.end) this.push(start, EV_WAKE, i, 0);
    }
    const events = this.events;
    const timers = this.timers;
    const timerAt = this.cpuTimerAt;
    const timerOrder = timers.order;
    const end = this.end;
    const check = this.options.checkInvariants === true;
    const progress = this.options.onProgress;
    let count = 0;
    for (;;) {
      const ev = events.peek();
      const evTime = ev === undefined ? Infinity : ev.time;
      const c = timers.min();
      const t = timerAt[c]!;
      const timerFirst = t < evTime || (t === evTime && ev !== undefined && timerOrder[c]! < ev.order);
      if (timerFirst) {
        if (t >= end) break;
        // The handler re-arms or clears this CPU's timer on every path.
        this.onCpuTimer(c, t);
      } else {
        if (evTime >= end) break;
        events.pop();
        const kind = ev!.kind;
        const target = ev!.target;
        const gen = ev!.gen;
        this.pool.push(ev!);
        if (kind === EV_WAKE) this.onWake(target, evTime);
        else if (kind === EV_QUEUE) this.onWokenArrives(target, evTime);
        else this.onEvent(kind, target, gen, evTime);
      }
      const now = timerFirst ? t : evTime;
      this.afterEvent(now);
      count++;
      if (check) this.checkInvariants(now);
      if (progress !== undefined && (count & 0xffff) === 0) progress(now / end);
    }
    this.totals.events = count;
    this.finish();
    progress?.(1);
    return this.result();
  }

  /** Queues an event of `kind` (EV_SCHEDULER or above for a scheduler's own). */
  protected push(time: number, kind: number, target: number, gen: number): void {
    const ev = this.pool.pop() ?? new SimEvent();
    ev.time = time;
    ev.kind = kind;
    ev.target = target;
    ev.gen = gen;
    ev.order = this.eventOrder++;
    this.events.add(ev);
  }

  /** Arms CPU c's timer at `at` (Infinity = none); it comes before any event at the same time. */
  protected setCpuTimer(c: number, at: number): void {
    this.timers.set(c, at);
  }

  /** Arms CPU c's timer at `at`, ordered among events at the same time by when it was armed, as if queued as one. */
  protected setCpuTimerAsEvent(c: number, at: number): void {
    this.timers.setRanked(c, at, this.eventOrder++);
  }

  // ---- tasks ----------------------------------------------------------------------------------

  /**
   * Walks task k's script (TaskScripts.advance()) and queues its wake-up or marks it
   * exited.
   */
  protected advance(k: number, t: number): ScriptStep {
    const step = this.scripts.advance(k, t);
    if (step === STEP_BLOCKED) {
      this.wakeAt(k, this.scripts.wakeNs);
    } else if (step === STEP_EXITED) {
      this.tState[k] = S_EXITED;
      this.onExit(k);
    }
    return step;
  }

  private wakeAt(k: number, at: number): void {
    this.tState[k] = S_BLOCKED;
    if (at < this.end) this.push(at, EV_WAKE, k, 0);
  }

  /** Task k starts a new EDF job at t: deadline t + its group's laxity, its first run to be counted. */
  protected startJob(k: number, t: number, wakeup: 0 | 1): void {
    this.tEnq[k] = t;
    this.tKdl[k] = t + this.gDelay[this.tGroup[k]!]!;
    this.tWakeEnq[k] = wakeup;
    this.tFirstPending[k] = 1;
  }

  /** Woken task k takes the wake-up path: it reaches the scheduler (onWokenArrives()) `cost` ns later. */
  protected queueWoken(k: number, t: number, cost: number): void {
    this.tState[k] = S_WAKING;
    this.push(t + cost, EV_QUEUE, k, 0);
  }

  /** Task k used `ns` of CPU. */
  protected charge(k: number, ns: number): void {
    if (ns <= 0) return;
    this.tRemain[k]! -= ns;
    this.tRuntime[k]! += ns;
    this.gCpu[this.tGroup[k]!]! += ns;
  }

  // ---- CPUs -----------------------------------------------------------------------------------

  /**
   * Task k starts running on CPU c at t: the context switch if c ran another task last,
   * the first run of its job counted (wake latency, deadline miss). Returns when it
   * really runs (after the switch).
   */
  protected switchIn(c: number, k: number, t: number): number {
    this.tState[k] = S_RUNNING;
    this.cpuTask[c] = k;
    let start = t;
    if (this.cpuLast[c] !== k) {
      start += this.csw;
      this.totals.contextSwitches++;
      this.totals.switchNs += this.csw;
      this.cpuLast[c] = k;
    }
    const g = this.tGroup[k]!;
    if (this.tFirstPending[k] === 1) {
      this.tFirstPending[k] = 0;
      this.gRuns[g]!++;
      if (this.tWakeEnq[k] === 1) this.gWake[g]!.record(start - this.tEnq[k]!);
      if (start > this.tKdl[k]!) this.gLate[g]!++;
    }
    this.tPrevCpu[k] = c;
    this.cpuFrom[c] = start;
    return start;
  }

  /** CPU c goes idle at t (if it was not). */
  protected idleFrom(c: number, t: number): void {
    if (this.cpuIdleSince[c]! < 0) this.cpuIdleSince[c] = t;
  }

  /** CPU c stops idling at t (if it was). */
  protected busyFrom(c: number, t: number): void {
    const since = this.cpuIdleSince[c]!;
    if (since < 0) return;
    this.totals.idleNs += t - since;
    this.cpuIdleSince[c] = -1;
  }

  // ---- end of the replay ------------------------------------------------------------------------

  private finish(): void {
    const end = this.end;
    for (let c = 0; c < this.n; c++) {
      const k = this.cpuTask[c]!;
      if (k >= 0) {
        const from = this.cpuFrom[c]!;
        if (from > end) this.totals.switchNs -= from - end; // still switching in
        else this.chargeUntil(c, end);
      } else if (this.cpuIdleSince[c]! >= 0) {
        this.totals.idleNs += end - this.cpuIdleSince[c]!;
      }
    }
  }

  private result(): SimResult {
    const w = this.workload;
    const groups = groupResults(w, this.tally, this.jobs, this.scripts, (k) => this.isWaiting(k), this.end);
    const { policy, kernelFastPath } = this.describe();
    return { policy, kernelFastPath, model: { ...this.model }, workload: w.name, groups, totals: this.resultTotals() };
  }
}
