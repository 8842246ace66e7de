// The kernel-default baseline: a sim-internal model of Linux's fair class (EEVDF, as in
// kernel/sched/fair.c of 7.2), replaying a Workload like the sched_ext engine does
// (engine.ts) and giving the same SimResult, so `--policy edf,eevdf` compares scx-slo
// with what the kernel would have done. It is not a policy module: the kernel default is
// not something the agent can run, so it has no PolicyModule and no TaskRecords.
// What it models (see sim/README.md "The eevdf baseline" for what it leaves out):
//   - per-CPU runqueues; weighted vruntime (calc_delta_fair: ns * NICE0 / weight);
//     V = the weight-averaged vruntime of the runqueue, current task included;
//   - eligibility (vruntime <= V, i.e. lag >= 0); virtual deadline = vruntime + base
//     slice scaled by weight, renewed when the vruntime reaches it (update_deadline());
//   - pick: the eligible task with the earliest virtual deadline (pick_eevdf()), with
//     RUN_TO_PARITY: an eligible current task keeps the CPU until its vruntime reaches
//     the protected point (its deadline, all slices being the base slice);
//   - a tick (model.tickNs) at which a current task past its protection is rescheduled;
//   - wake-up preemption: the woken task takes the CPU at once when the pick would
//     choose it over the current task (wakeup_preempt_fair(), lazy resched taken as
//     immediate);
//   - placement with preserved lag (place_entity(), PLACE_LAG with the lag inflation),
//     the lag clamp (entity_lag()), half a slice for a task's first start
//     (PLACE_DEADLINE_INITIAL), delayed dequeue of sleepers with negative lag
//     (DELAY_DEQUEUE, DELAY_ZERO), the relative deadline kept on migration;
//   - the base slice sysctl_sched_base_slice = 0.7 ms * (1 + ilog2(min(cpus, 8)));
//   - wake-up placement: previous CPU if idle, else an idle CPU, else the previous CPU
//     (a first start: an idle CPU, else the least loaded); a CPU going idle pulls a
//     waiting task from the busiest runqueue (newidle balance); no other balancing;
//   - model.baselineWakeupNs: a woken task reaches its runqueue this much later.
import { Heap } from 'heap-js';
import { NICE0_WEIGHT } from '../policy/api.js';
import { edfDelayNs, sloOrDefault } from '../policy/deadline.js';
import type { GroupResult, SimOptions, SimResult, SimTotals } from './engine.js';
import { LatencyHistogram } from './latency-histogram.js';
import { validateModel, type SimModel } from './sim-model.js';
import { Op, type Workload } from './workload.js';

/** The name `--policy` accepts for this model, and its results' `policy`. */
export const EEVDF_BASELINE_NAME = 'eevdf';

/** sysctl_sched_base_slice before scaling (normalized_sysctl_sched_base_slice, 7.2). */
export const EEVDF_NORMALIZED_BASE_SLICE_NS = 700_000;

/**
 * sysctl_sched_base_slice as the kernel sets it at boot with the default tunable
 * scaling (SCHED_TUNABLESCALING_LOG): 0.7 ms * (1 + ilog2(min(cpus, 8))).
 */
export function eevdfBaseSliceNs(cpus: number): number {
  const n = Math.max(1, Math.min(cpus, 8));
  return EEVDF_NORMALIZED_BASE_SLICE_NS * (1 + Math.floor(Math.log2(n)));
}

// Task states.
const S_BLOCKED = 0; // sleeping, waiting for a request, or not started
const S_WAKING = 1; // woken, on its way to a runqueue (baselineWakeupNs)
const S_QUEUED = 2; // on a runqueue, waiting
const S_RUNNING = 3;
const S_DELAYED = 4; // sleeping but still on its runqueue (delayed dequeue)
const S_EXITED = 5;

// Event kinds.
const EV_WAKE = 0;
const EV_QUEUE = 1;
const EV_TIMER = 2;

const A_RUN = 0;
const A_BLOCKED = 1;
const A_EXITED = 2;

/** Virtual-time tolerance for comparisons after floating-point arithmetic, ns. */
const V_EPS = 1e-3;
/** A burst with less than this left is over (floating-point residue of slice arithmetic), ns. */
const REMAIN_EPS = 1e-6;

interface EevdfEvent {
  time: number;
  order: number;
  kind: number;
  target: number;
  gen: number;
}

function byTimeThenOrder(a: EevdfEvent, b: EevdfEvent): number {
  return a.time - b.time || a.order - b.order;
}

export class EevdfSimulation {
  private readonly n: number;
  private readonly end: number;
  private readonly csw: number;
  private readonly tick: number;
  private readonly wakeup: number;
  /** sysctl_sched_base_slice for this machine. */
  readonly baseSliceNs: number;
  /** entity_lag()'s bound before weight scaling: max slice + TICK_NSEC. */
  private readonly lagLimitNs: number;

  private readonly opKind: Uint8Array;
  private readonly opArg: Float64Array;
  private readonly opEnd: Int32Array;
  private readonly tGroup: Int32Array;
  private readonly tWeight: Float64Array;
  private readonly gDelay: Float64Array;

  private readonly tState: Uint8Array;
  private readonly tCursor: Int32Array;
  private readonly tRemain: Float64Array;
  private readonly tReq: Float64Array;
  private readonly tEnq: Float64Array;
  private readonly tKdl: Float64Array;
  private readonly tWakeEnq: Uint8Array;
  private readonly tFirstPending: Uint8Array;
  private readonly tStarted: Uint8Array;
  private readonly tPrevCpu: Int32Array;
  /** The runqueue a queued, running or delayed task is on, else -1. */
  private readonly tRq: Int32Array;
  private readonly tV: Float64Array;
  private readonly tVd: Float64Array;
  private readonly tVprot: Float64Array;
  private readonly tVlag: Float64Array;

  /** Each CPU's waiting entities (queued and delayed), in enqueue order. */
  private readonly rqWaiting: number[][];
  private readonly cpuCurr: Int32Array;
  /** When the current task's execution since its last accounting began (after a switch). */
  private readonly cpuFrom: Float64Array;
  private readonly cpuLast: Int32Array;
  /** V of each runqueue when last computed: where an empty runqueue places a task. */
  private readonly rqZeroV: Float64Array;
  private readonly cpuIdleSince: Float64Array;
  private readonly timerGen: Float64Array;

  private readonly events = new Heap<EevdfEvent>(byTimeThenOrder);
  private eventOrder = 0;

  private readonly gWake: LatencyHistogram[];
  private readonly gReq: LatencyHistogram[];
  private readonly gHasRequests: Uint8Array;
  private readonly gRuns: Float64Array;
  private readonly gLate: Float64Array;
  private readonly gCpu: Float64Array;
  private readonly gBursts: Float64Array;
  private readonly gReqDone: Float64Array;
  private readonly totals: SimTotals = {
    events: 0, enqueues: 0, direct: 0, toPolicy: 0, contextSwitches: 0, switchNs: 0, idleNs: 0,
    preemptKicks: 0, sliceRefills: 0, deadlineRenewals: 0, staleDecisions: 0, badDecisions: 0, lostTasks: 0,
  };
  private ran = false;

  constructor(
    private readonly workload: Workload,
    private readonly model: SimModel,
    private readonly options: SimOptions = {},
  ) {
    validateModel(model);
    const w = workload;
    const nt = w.tasks.length;
    const ng = w.groups.length;
    this.n = model.cpus;
    this.end = model.durationNs;
    this.csw = model.contextSwitchNs;
    this.tick = model.tickNs;
    this.wakeup = model.baselineWakeupNs;
    this.baseSliceNs = eevdfBaseSliceNs(this.n);
    this.lagLimitNs = this.baseSliceNs + (this.tick > 0 ? this.tick : 1_000_000);

    this.opKind = w.opKind;
    this.opArg = w.opArg;
    this.opEnd = new Int32Array(nt);
    this.tGroup = new Int32Array(nt);
    this.tWeight = new Float64Array(nt);
    this.gDelay = new Float64Array(ng);
    this.gHasRequests = new Uint8Array(ng);
    w.groups.forEach((g, i) => {
      const slo = sloOrDefault(g.slo ?? undefined);
      this.gDelay[i] = edfDelayNs(slo.budgetNs, slo.importance);
    });
    this.tState = new Uint8Array(nt);
    this.tCursor = new Int32Array(nt);
    this.tRemain = new Float64Array(nt);
    this.tReq = new Float64Array(nt).fill(-1);
    this.tEnq = new Float64Array(nt);
    this.tKdl = new Float64Array(nt);
    this.tWakeEnq = new Uint8Array(nt);
    this.tFirstPending = new Uint8Array(nt);
    this.tStarted = new Uint8Array(nt);
    this.tPrevCpu = new Int32Array(nt).fill(-1);
    this.tRq = new Int32Array(nt).fill(-1);
    this.tV = new Float64Array(nt);
    this.tVd = new Float64Array(nt);
    this.tVprot = new Float64Array(nt);
    this.tVlag = new Float64Array(nt);
    w.tasks.forEach((t, i) => {
      this.opEnd[i] = t.opEnd;
      this.tCursor[i] = t.opStart;
      this.tGroup[i] = t.group;
      this.tWeight[i] = t.weight > 0 ? t.weight : NICE0_WEIGHT;
      for (let j = t.opStart; j < t.opEnd; j++) {
        if (w.opKind[j] === Op.REQUEST) {
          this.gHasRequests[t.group] = 1;
          break;
        }
      }
    });

    this.rqWaiting = Array.from({ length: this.n }, () => []);
    this.cpuCurr = new Int32Array(this.n).fill(-1);
    this.cpuFrom = new Float64Array(this.n);
    this.cpuLast = new Int32Array(this.n).fill(-1);
    this.rqZeroV = new Float64Array(this.n);
    this.cpuIdleSince = new Float64Array(this.n).fill(0);
    this.timerGen = new Float64Array(this.n);

    this.gWake = w.groups.map(() => new LatencyHistogram());
    this.gReq = w.groups.map(() => new LatencyHistogram());
    this.gRuns = new Float64Array(ng);
    this.gLate = new Float64Array(ng);
    this.gCpu = new Float64Array(ng);
    this.gBursts = new Float64Array(ng);
    this.gReqDone = new Float64Array(ng);
  }

  run(): SimResult {
    if (this.ran) throw new Error('an EevdfSimulation runs once; create a new one');
    this.ran = true;
    const w = this.workload;
    for (let i = 0; i < w.tasks.length; i++) {
      const start = w.tasks[i]!.startNs;
      if (start < this.end) this.push(start, EV_WAKE, i, 0);
    }
    const check = this.options.checkInvariants === true;
    const progress = this.options.onProgress;
    let count = 0;
    for (;;) {
      const ev = this.events.pop();
      if (ev === undefined || ev.time >= this.end) break;
      const t = ev.time;
      if (ev.kind === EV_TIMER) {
        if (ev.gen !== this.timerGen[ev.target]) continue; // superseded
        this.onTimer(ev.target, t);
      } else if (ev.kind === EV_WAKE) {
        this.onWake(ev.target, t);
      } else {
        this.enqueueWoken(ev.target, t);
      }
      count++;
      if (check) this.checkInvariants(t);
      if (progress !== undefined && (count & 0xffff) === 0) progress(t / this.end);
    }
    this.totals.events = count;
    this.finish();
    progress?.(1);
    return this.result();
  }

  // ---- events ---------------------------------------------------------------------------

  private push(time: number, kind: number, target: number, gen: number): void {
    this.events.push({ time, order: this.eventOrder++, kind, target, gen });
  }

  private onWake(k: number, t: number): void {
    if (this.tState[k] === S_DELAYED) this.finishDelayedDequeue(k, t);
    if (this.advance(k, t) !== A_RUN) return;
    this.tEnq[k] = t;
    this.tKdl[k] = t + this.gDelay[this.tGroup[k]!]!;
    this.tWakeEnq[k] = 1;
    this.tFirstPending[k] = 1;
    if (this.wakeup > 0) {
      this.tState[k] = S_WAKING;
      this.push(t + this.wakeup, EV_QUEUE, k, 0);
    } else {
      this.enqueueWoken(k, t);
    }
  }

  /** A timer on CPU c: the current task's burst ended, or a tick past its protected slice. */
  private onTimer(c: number, t: number): void {
    const k = this.cpuCurr[c]!;
    this.updateCurr(c, t);
    if (this.tRemain[k]! <= REMAIN_EPS) {
      this.gBursts[this.tGroup[k]!]!++;
      const next = this.advance(k, t);
      if (next !== A_RUN) {
        this.dequeueCurr(c, k, next === A_BLOCKED);
        this.schedule(c, t);
        return;
      }
    }
    if (this.rqWaiting[c]!.length > 0 && this.tV[k]! >= this.tVprot[k]! - V_EPS) {
      // update_curr(): the slice is used up (resched_curr_lazy), pick again.
      this.schedule(c, t, true);
    } else {
      this.armTimer(c, t);
    }
  }

  // ---- virtual time -----------------------------------------------------------------------

  /** calc_delta_fair(): ns of CPU in this task's virtual time. */
  private vdelta(k: number, ns: number): number {
    return (ns * NICE0_WEIGHT) / this.tWeight[k]!;
  }

  /** avg_vruntime(): V of CPU c's runqueue (the current task included). */
  private avgV(c: number): number {
    const waiting = this.rqWaiting[c]!;
    const curr = this.cpuCurr[c]!;
    let load = 0;
    let sum = 0;
    const v0 = this.rqZeroV[c]!;
    for (let i = 0; i < waiting.length; i++) {
      const k = waiting[i]!;
      const wk = this.tWeight[k]!;
      load += wk;
      sum += (this.tV[k]! - v0) * wk;
    }
    if (curr >= 0) {
      const wk = this.tWeight[curr]!;
      load += wk;
      sum += (this.tV[curr]! - v0) * wk;
    }
    if (load === 0) return v0;
    const v = v0 + sum / load;
    this.rqZeroV[c] = v;
    return v;
  }

  private rqLoad(c: number): number {
    const waiting = this.rqWaiting[c]!;
    let load = 0;
    for (let i = 0; i < waiting.length; i++) load += this.tWeight[waiting[i]!]!;
    const curr = this.cpuCurr[c]!;
    if (curr >= 0) load += this.tWeight[curr]!;
    return load;
  }

  /** update_curr(): charges CPU c's current task up to t, renewing its deadline when reached. */
  private updateCurr(c: number, t: number): void {
    const k = this.cpuCurr[c]!;
    if (k < 0) return;
    const from = this.cpuFrom[c]!;
    if (t <= from) return;
    const ns = t - from;
    this.cpuFrom[c] = t;
    this.tRemain[k]! -= ns;
    this.gCpu[this.tGroup[k]!]! += ns;
    this.tV[k]! += this.vdelta(k, ns);
    if (this.tV[k]! >= this.tVd[k]! - V_EPS) {
      this.tVd[k] = this.tV[k]! + this.vdelta(k, this.baseSliceNs);
      this.totals.deadlineRenewals++;
    }
  }

  /** entity_lag(): V - vruntime, clamped to the weight-scaled (max slice + tick). */
  private lagOf(k: number, V: number): number {
    const limit = this.vdelta(k, this.lagLimitNs);
    const lag = V - this.tV[k]!;
    return lag > limit ? limit : lag < -limit ? -limit : lag;
  }

  /**
   * pick_eevdf(): the eligible entity with the earliest virtual deadline; with `protect`,
   * an eligible current task inside its protected slice (RUN_TO_PARITY) is kept.
   */
  private pickEevdf(c: number, protect: boolean): number {
    const waiting = this.rqWaiting[c]!;
    let curr = this.cpuCurr[c]!;
    if (waiting.length + (curr >= 0 ? 1 : 0) <= 1) return curr >= 0 ? curr : waiting.length > 0 ? waiting[0]! : -1;
    const V = this.avgV(c);
    if (curr >= 0 && this.tV[curr]! > V + V_EPS) curr = -1;
    if (curr >= 0 && protect && this.tV[curr]! < this.tVprot[curr]! - V_EPS) return curr;
    let best = -1;
    let minV = -1;
    for (let i = 0; i < waiting.length; i++) {
      const k = waiting[i]!;
      if (minV < 0 || this.tV[k]! < this.tV[minV]!) minV = k;
      if (this.tV[k]! > V + V_EPS) continue;
      if (best < 0 || this.tVd[k]! < this.tVd[best]!) best = k;
    }
    if (best < 0 || (curr >= 0 && this.tVd[curr]! < this.tVd[best]!)) best = curr;
    if (best >= 0) return best;
    // Some entity is always eligible (the one with the smallest vruntime); should rounding
    // hide it, take that one.
    const running = this.cpuCurr[c]!;
    return running >= 0 && this.tV[running]! <= this.tV[minV]! ? running : minV;
  }

  /** pick_next_entity(): picks, finishing the dequeue of delayed entities it meets. */
  private pick(c: number, protect: boolean): number {
    for (;;) {
      const k = this.pickEevdf(c, protect);
      if (k < 0 || this.tState[k] !== S_DELAYED) return k;
      this.removeWaiting(c, k);
      this.tRq[k] = -1;
      this.tVlag[k] = 0; // DELAY_ZERO: picked means eligible, lag clipped to 0
      this.tState[k] = S_BLOCKED;
    }
  }

  // ---- runqueue changes -------------------------------------------------------------------

  private removeWaiting(c: number, k: number): void {
    const waiting = this.rqWaiting[c]!;
    const i = waiting.indexOf(k);
    if (i >= 0) waiting.splice(i, 1);
  }

  /**
   * place_entity() and enqueue on CPU c: vruntime = V - lag (the lag inflated so that it
   * survives the task's own effect on V), deadline = vruntime + slice (half a slice for a
   * first start; the kept relative deadline after a migration when `relDeadline` >= 0).
   */
  private place(c: number, k: number, initial: boolean, relDeadline = -1): void {
    const V = this.avgV(c);
    let lag = this.tVlag[k]!;
    const load = this.rqLoad(c);
    if (load > 0 && lag !== 0) lag = (lag * (load + this.tWeight[k]!)) / load;
    else if (load === 0) lag = 0;
    this.tV[k] = V - lag;
    if (relDeadline >= 0) {
      this.tVd[k] = this.tV[k]! + relDeadline;
    } else {
      const vslice = this.vdelta(k, this.baseSliceNs);
      this.tVd[k] = this.tV[k]! + (initial ? vslice / 2 : vslice);
    }
    this.tVlag[k] = 0;
    this.tRq[k] = c;
    this.tState[k] = S_QUEUED;
    this.rqWaiting[c]!.push(k);
    this.totals.enqueues++;
  }

  /** select_task_rq_fair(), simplified: previous CPU if idle, an idle CPU, the previous CPU. */
  private selectCpu(k: number): number {
    const prev = this.tPrevCpu[k]!;
    if (prev >= 0 && this.cpuCurr[prev]! < 0) return prev;
    const from = prev >= 0 ? prev : 0;
    for (let i = 1; i <= this.n; i++) {
      const c = (from + i) % this.n;
      if (this.cpuCurr[c]! < 0) return c;
    }
    if (prev >= 0) return prev;
    let best = 0;
    for (let c = 1; c < this.n; c++) if (this.rqWaiting[c]!.length < this.rqWaiting[best]!.length) best = c;
    return best;
  }

  /** A woken task reaches its runqueue; the CPU runs it, or it preempts if the pick says so. */
  private enqueueWoken(k: number, t: number): void {
    const c = this.selectCpu(k);
    this.updateCurr(c, t);
    const initial = this.tStarted[k] === 0;
    this.tStarted[k] = 1;
    this.place(c, k, initial);
    const curr = this.cpuCurr[c]!;
    if (curr < 0) {
      this.schedule(c, t);
      return;
    }
    // wakeup_preempt_fair(): preempt when the woken task is what the CPU would pick now.
    if (this.pick(c, true) === k) {
      this.totals.preemptKicks++;
      this.putBack(c, t, false);
      this.startTask(c, k, t);
    } else {
      // update_protect_slice(): all slices are the base slice, so at most the deadline.
      const vp = this.tV[curr]! + this.vdelta(curr, this.baseSliceNs);
      if (vp < this.tVprot[curr]!) this.tVprot[curr] = vp;
      this.armTimer(c, t);
    }
  }

  /**
   * The current task of CPU c stops at t and goes back to its runqueue's waiting
   * entities. `sliceEnd`: it used up its slice, so a new SLO job starts (as the sched_ext
   * engine counts a slice expiry); otherwise (wake-up preemption) it resumes its job.
   */
  private putBack(c: number, t: number, sliceEnd: boolean): void {
    const k = this.cpuCurr[c]!;
    const from = this.cpuFrom[c]!;
    if (from > t) this.totals.switchNs -= from - t; // preempted while still switching in
    this.cpuCurr[c] = -1;
    this.tState[k] = S_QUEUED;
    this.rqWaiting[c]!.push(k);
    if (sliceEnd) {
      this.tEnq[k] = t;
      this.tKdl[k] = t + this.gDelay[this.tGroup[k]!]!;
      this.tWakeEnq[k] = 0;
      this.tFirstPending[k] = 1;
    }
  }

  /** dequeue_entity() of a task that blocks (`sleeping`) or exits, running on CPU c. */
  private dequeueCurr(c: number, k: number, sleeping: boolean): void {
    const V = this.avgV(c);
    this.cpuCurr[c] = -1;
    if (sleeping && this.tV[k]! > V + V_EPS) {
      // DELAY_DEQUEUE: not eligible, so it stays on the runqueue until picked or woken.
      this.tVlag[k] = this.lagOf(k, V);
      this.tState[k] = S_DELAYED;
      this.rqWaiting[c]!.push(k);
      return;
    }
    this.tVlag[k] = sleeping ? this.lagOf(k, V) : 0;
    this.tRq[k] = -1;
  }

  /** A delayed entity is woken: its lag (never worse than at sleep, at most 0) and off the queue. */
  private finishDelayedDequeue(k: number, t: number): void {
    const c = this.tRq[k]!;
    this.updateCurr(c, t);
    const V = this.avgV(c);
    let lag = this.lagOf(k, V);
    if (lag < this.tVlag[k]!) lag = this.tVlag[k]!;
    if (lag > 0) lag = 0;
    this.tVlag[k] = lag;
    this.removeWaiting(c, k);
    this.tRq[k] = -1;
    this.tState[k] = S_BLOCKED;
  }

  // ---- CPUs -------------------------------------------------------------------------------

  /**
   * CPU c picks what runs next (`keepCurr`: its current task is still runnable and in the
   * pick); with nothing, it pulls a waiting task from the busiest runqueue or idles.
   */
  private schedule(c: number, t: number, keepCurr = false): void {
    const curr = this.cpuCurr[c]!;
    let k = this.pick(c, true);
    if (keepCurr && k === curr) {
      this.totals.sliceRefills++;
      this.armTimer(c, t);
      return;
    }
    if (keepCurr && curr >= 0) this.putBack(c, t, true);
    if (k < 0 && this.pullTask(c, t)) k = this.pick(c, true);
    if (k < 0) {
      this.goIdle(c, t);
      return;
    }
    this.startTask(c, k, t);
  }

  /** Newidle balance: moves the oldest waiting task of the busiest runqueue to CPU c. */
  private pullTask(c: number, t: number): boolean {
    let busiest = -1;
    let most = 0;
    for (let d = 0; d < this.n; d++) {
      if (d === c) continue;
      let waiting = 0;
      for (const j of this.rqWaiting[d]!) if (this.tState[j] === S_QUEUED) waiting++;
      if (waiting > most) {
        most = waiting;
        busiest = d;
      }
    }
    if (busiest < 0) return false;
    const k = this.rqWaiting[busiest]!.find((j) => this.tState[j] === S_QUEUED)!;
    this.updateCurr(busiest, t);
    const V = this.avgV(busiest);
    this.tVlag[k] = this.lagOf(k, V);
    const rel = this.tVd[k]! - this.tV[k]!;
    this.removeWaiting(busiest, k);
    this.place(c, k, false, rel);
    if (this.rqWaiting[busiest]!.length === 0 && this.cpuCurr[busiest]! >= 0) this.armTimer(busiest, t);
    return true;
  }

  private goIdle(c: number, t: number): void {
    this.cpuCurr[c] = -1;
    if (this.cpuIdleSince[c]! < 0) this.cpuIdleSince[c] = t;
    this.timerGen[c]!++;
  }

  private startTask(c: number, k: number, t: number): void {
    if (this.cpuCurr[c]! < 0 && this.cpuIdleSince[c]! >= 0) {
      this.totals.idleNs += t - this.cpuIdleSince[c]!;
      this.cpuIdleSince[c] = -1;
    }
    this.removeWaiting(c, k);
    this.tState[k] = S_RUNNING;
    this.cpuCurr[c] = k;
    let start = t;
    if (this.cpuLast[c] !== k) {
      start += this.csw;
      this.totals.contextSwitches++;
      this.totals.switchNs += this.csw;
      this.cpuLast[c] = k;
    }
    this.cpuFrom[c] = start;
    // set_protect_slice() with RUN_TO_PARITY: min slice = base slice = its own: the deadline.
    this.tVprot[k] = this.tVd[k]!;
    const g = this.tGroup[k]!;
    if (this.tFirstPending[k] === 1) {
      this.tFirstPending[k] = 0;
      this.gRuns[g]!++;
      if (this.tWakeEnq[k] === 1) this.gWake[g]!.record(start - this.tEnq[k]!);
      if (start > this.tKdl[k]!) this.gLate[g]!++;
    }
    this.tPrevCpu[k] = c;
    this.armTimer(c, t);
  }

  /**
   * CPU c's next timer: the end of the current task's burst, or, with others waiting, the
   * tick at which it is past its protected slice (the first tick after its vruntime
   * reaches the protection, or the next tick when it is past it already); with no tick,
   * the moment it reaches the protection or its deadline.
   */
  private armTimer(c: number, t: number): void {
    const k = this.cpuCurr[c]!;
    const from = Math.max(t, this.cpuFrom[c]!);
    let at = from + Math.max(0, this.tRemain[k]!);
    if (this.rqWaiting[c]!.length > 0) {
      const v = this.tV[k]!;
      const protectedTo = this.tVprot[k]!;
      let slice: number;
      if (v < protectedTo - V_EPS) {
        slice = Math.ceil(from + ((protectedTo - v) * this.tWeight[k]!) / NICE0_WEIGHT);
        if (this.tick > 0) slice = Math.ceil(slice / this.tick) * this.tick;
      } else if (this.tick > 0) {
        slice = (Math.floor(t / this.tick) + 1) * this.tick;
      } else {
        slice = Math.ceil(from + ((this.tVd[k]! - v) * this.tWeight[k]!) / NICE0_WEIGHT);
      }
      if (slice <= t) slice = this.tick > 0 ? (Math.floor(t / this.tick) + 1) * this.tick : t + 1;
      if (slice < at) at = slice;
    }
    this.timerGen[c]!++;
    this.push(at, EV_TIMER, c, this.timerGen[c]!);
  }

  // ---- task scripts -------------------------------------------------------------------------

  /** Walks task k's ops from its cursor at time t until it must run, block or exit. */
  private advance(k: number, t: number): number {
    const kinds = this.opKind;
    const args = this.opArg;
    const end = this.opEnd[k]!;
    let i = this.tCursor[k]!;
    while (i < end) {
      const kind = kinds[i]!;
      const arg = args[i]!;
      i++;
      if (kind === Op.RUN) {
        if (arg > 0) {
          this.tRemain[k] = arg;
          this.tCursor[k] = i;
          return A_RUN;
        }
      } else if (kind === Op.SLEEP) {
        this.tCursor[k] = i;
        this.wakeAt(k, t + arg);
        return A_BLOCKED;
      } else if (kind === Op.REQUEST) {
        this.tReq[k] = arg;
        if (arg > t) {
          this.tCursor[k] = i;
          this.wakeAt(k, arg);
          return A_BLOCKED;
        }
      } else if (kind === Op.DONE) {
        const arrival = this.tReq[k]!;
        if (arrival >= 0) {
          const g = this.tGroup[k]!;
          this.gReq[g]!.record(t - arrival);
          this.gReqDone[g]!++;
          this.tReq[k] = -1;
        }
      } else {
        break; // EXIT
      }
    }
    this.tCursor[k] = end;
    this.tState[k] = S_EXITED;
    return A_EXITED;
  }

  private wakeAt(k: number, at: number): void {
    this.tState[k] = S_BLOCKED;
    if (at < this.end) this.push(at, EV_WAKE, k, 0);
  }

  // ---- end of the replay ----------------------------------------------------------------------

  private finish(): void {
    const end = this.end;
    for (let c = 0; c < this.n; c++) {
      const k = this.cpuCurr[c]!;
      if (k >= 0) {
        const from = this.cpuFrom[c]!;
        if (from > end) this.totals.switchNs -= from - end;
        else this.updateCurr(c, end);
      } else if (this.cpuIdleSince[c]! >= 0) {
        this.totals.idleNs += end - this.cpuIdleSince[c]!;
      }
    }
  }

  private result(): SimResult {
    const w = this.workload;
    const end = this.end;
    const groups: GroupResult[] = w.groups.map((group, g) => ({
      group,
      delayNs: this.gDelay[g]!,
      tasks: 0,
      wakeLatency: this.gWake[g]!,
      requestLatency: this.gHasRequests[g] === 1 ? this.gReq[g]! : null,
      runs: this.gRuns[g]!,
      lateRuns: this.gLate[g]!,
      lateWaiting: 0,
      waitingAtEnd: 0,
      cpuNs: this.gCpu[g]!,
      burstsCompleted: this.gBursts[g]!,
      requestsCompleted: this.gReqDone[g]!,
      requestsUnfinished: 0,
    }));
    for (let k = 0; k < w.tasks.length; k++) {
      const gr = groups[this.tGroup[k]!]!;
      gr.tasks++;
      const state = this.tState[k];
      if ((state === S_QUEUED || state === S_WAKING) && this.tFirstPending[k] === 1) {
        gr.waitingAtEnd++;
        if (this.tWakeEnq[k] === 1) gr.wakeLatency.record(end - this.tEnq[k]!);
        if (end > this.tKdl[k]!) gr.lateWaiting++;
      }
      if (gr.requestLatency !== null) {
        const arrival = this.tReq[k]!;
        if (arrival >= 0 && arrival < end) {
          gr.requestLatency.record(end - arrival);
          gr.requestsUnfinished++;
        }
        const stop = this.opEnd[k]!;
        for (let i = this.tCursor[k]!; i < stop; i++) {
          if (this.opKind[i] !== Op.REQUEST) continue;
          const at = this.opArg[i]!;
          if (at >= end) break;
          gr.requestLatency.record(end - at);
          gr.requestsUnfinished++;
        }
      }
    }
    return {
      policy: EEVDF_BASELINE_NAME,
      kernelFastPath: false,
      model: { ...this.model },
      workload: w.name,
      groups,
      totals: { ...this.totals },
    };
  }

  // ---- invariants (tests) ------------------------------------------------------------------

  private checkInvariants(t: number): void {
    const fail = (what: string): never => {
      throw new Error(`eevdf invariant violated at t=${t} ns: ${what}`);
    };
    let idle = 0;
    let waitingRunnable = 0;
    for (let c = 0; c < this.n; c++) {
      const k = this.cpuCurr[c]!;
      if (k >= 0) {
        if (this.tState[k] !== S_RUNNING) fail(`CPU ${c} runs task ${k} in state ${this.tState[k]}`);
        if (this.tRq[k] !== c) fail(`task ${k} runs on CPU ${c} but is on runqueue ${this.tRq[k]}`);
      } else {
        idle++;
        if (this.rqWaiting[c]!.length > 0) fail(`idle CPU ${c} has ${this.rqWaiting[c]!.length} waiting entities`);
      }
      for (const j of this.rqWaiting[c]!) {
        if (this.tState[j] !== S_QUEUED && this.tState[j] !== S_DELAYED) fail(`task ${j} waits on CPU ${c} in state ${this.tState[j]}`);
        if (this.tRq[j] !== c) fail(`task ${j} waits on CPU ${c} but names runqueue ${this.tRq[j]}`);
        if (this.tState[j] === S_QUEUED) waitingRunnable++;
      }
    }
    if (idle > 0 && waitingRunnable > 0) fail(`${idle} CPUs idle while ${waitingRunnable} tasks wait`);
  }
}

/** Replays `workload` under the eevdf kernel-default model; see EevdfSimulation. */
export function simulateEevdf(workload: Workload, model: SimModel, options: SimOptions = {}): SimResult {
  return new EevdfSimulation(workload, model, options).run();
}
