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
//   - the hrtick (HRTICK, on in 7.2 when CONFIG_HRTIMER_REARM_DEFERRED, as on x86): when a
//     task is switched in with company (hrtick_start_fair() from set_next_task_fair()), or
//     company arrives (hrtick_update()), a timer is armed for when its own vruntime reaches
//     its virtual deadline; it updates every level and reschedules (entity_tick(queued)),
//     so slices end at their deadlines, not at the next tick;
//   - wake-up preemption: the woken task takes the CPU at once when the pick would
//     choose it over the current task (wakeup_preempt_fair(), lazy resched taken as
//     immediate: the waking interrupt returns to user space, exit_to_user_mode_loop());
//     when it would not but the current entity is past its protected slice, update_curr()
//     reschedules anyway and the CPU picks again at once;
//   - placement with preserved lag (place_entity(), PLACE_LAG with the lag inflation),
//     the lag clamp (entity_lag()), half a slice for a task's first start
//     (PLACE_DEADLINE_INITIAL), delayed dequeue of sleepers with negative lag
//     (DELAY_DEQUEUE, DELAY_ZERO), the relative deadline kept on migration;
//   - the base slice sysctl_sched_base_slice = 0.7 ms * (1 + ilog2(min(cpus, 8)));
//   - wake-up placement: previous CPU if idle, else an idle CPU, else the previous CPU
//     (a first start: an idle CPU, else the least loaded); a CPU going idle pulls a
//     waiting task from the busiest runqueue (newidle balance); no other balancing;
//   - model.baselineWakeupNs: a woken task reaches its runqueue this much later;
//   - cgroups (model.baselineCgroups, on by default): a two-level hierarchy, root ->
//     cgroup -> task, as with the cpu controller enabled at the root and every workload
//     group one cgroup (groups marked inRootCgroup, and all with the flag off, sit in the
//     root). Each CPU's root runqueue holds the root's tasks and one group entity per
//     cgroup with tasks on that CPU; the group entity is an EEVDF entity like a task
//     (vruntime, deadline, lag, delayed dequeue), its weight the cgroup's shares (cpu.weight
//     100 = a nice-0 task's) times this CPU's part of the cgroup's load (calc_group_shares(),
//     with runnable weight standing in for PELT load), renewed on enqueue, dequeue and
//     timer ticks (update_cfs_group()); picks go down the hierarchy (pick_task_fair()),
//     wake-up preemption compares the two tasks' ancestors on their common runqueue
//     (find_matching_se()).
// The event loop, the task and CPU bookkeeping and the results are the simulator core's
// (sim-core.ts); this file is the fair class plugged into it.
import { NICE0_WEIGHT } from '../policy/api.js';
import type { SimModel } from './sim-model.js';
import { S_BLOCKED, S_RUNNING, S_SCHEDULER, S_WAKING, SimCore, type SimOptions } from './sim-core.js';
import type { SimResult } from './sim-result.js';
import { STEP_BLOCKED, STEP_RUN } from './task-script.js';
import { CPU_WEIGHT_DEFAULT, CPU_WEIGHT_MAX, CPU_WEIGHT_MIN, type Workload } from './workload.js';

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

// Task states (with the core's S_BLOCKED, S_EXITED, S_WAKING: on its way to a runqueue,
// baselineWakeupNs, and S_RUNNING).
const S_QUEUED = S_SCHEDULER; // on a runqueue, waiting
const S_DELAYED = S_SCHEDULER + 1; // sleeping but still on its runqueue (delayed dequeue)

/**
 * A cgroup's cpu.weight as the shares of its group entities, in the sim's weight unit
 * (NICE0_WEIGHT = the kernel's 1024): sched_weight_from_cgroup(), weight * 1024 / 100
 * rounded to the closest integer, so cpu.weight 100 is a nice-0 task's weight.
 */
export function cgroupShares(cpuWeight: number): number {
  return (Math.round((cpuWeight * 1024) / CPU_WEIGHT_DEFAULT) * NICE0_WEIGHT) / 1024;
}
/** MIN_SHARES (2 of 1024) in the sim's weight unit. */
const CGROUP_MIN_SHARES = (2 * NICE0_WEIGHT) / 1024;

/**
 * Each workload group's cgroup level: an index among the cgroups with a level of their
 * own, or -1 for a group whose tasks sit in the root (marked inRootCgroup, or every group
 * when `cgroups` is off: the flat model).
 */
export function cgroupLevels(w: Workload, cgroups: boolean): number[] {
  let next = 0;
  return w.groups.map((g) => (cgroups && g.inRootCgroup !== true ? next++ : -1));
}

/**
 * Each workload group's cgroup cpu.weight for the baseline: the group's own (default
 * 100), unless the model overrides it by group name (model.baselineCpuWeights, the
 * hand-tuned default: `--baseline-cpu-weight`). Throws on a name the workload lacks.
 */
export function baselineCpuWeights(w: Workload, model: SimModel): number[] {
  const overrides = model.baselineCpuWeights ?? {};
  for (const name of Object.keys(overrides)) {
    if (!w.groups.some((g) => g.name === name)) {
      throw new RangeError(`sim model: baselineCpuWeights names group ${JSON.stringify(name)}, which the workload does not have (groups: ` +
        `${w.groups.map((g) => g.name).join(', ')})`);
    }
  }
  return w.groups.map((g) => {
    const weight = overrides[g.name] ?? g.cpuWeight ?? CPU_WEIGHT_DEFAULT;
    if (!Number.isInteger(weight) || weight < CPU_WEIGHT_MIN || weight > CPU_WEIGHT_MAX) {
      throw new RangeError(`group ${JSON.stringify(g.name)}: cpu.weight must be an integer in ${CPU_WEIGHT_MIN}..${CPU_WEIGHT_MAX}, got ${weight}`);
    }
    return weight;
  });
}

/** Virtual-time tolerance for comparisons after floating-point arithmetic, ns. */
const V_EPS = 1e-3;
/** hrtick_start(): no hrtick sooner than this, ns. */
const HRTICK_MIN_NS = 10_000;
/** A burst with less than this left is over (floating-point residue of slice arithmetic), ns. */
const REMAIN_EPS = 1e-6;

export class EevdfSimulation extends SimCore {
  private readonly tick: number;
  private readonly wakeup: number;
  /** sysctl_sched_base_slice for this machine. */
  readonly baseSliceNs: number;
  /** entity_lag()'s bound before weight scaling: max slice + TICK_NSEC. */
  private readonly lagLimitNs: number;
  /** Number of tasks: entities 0..nt-1 are tasks, the rest group entities. */
  private readonly nt: number;
  /** Number of cgroups with a level of their own (0 in the flat model). */
  readonly cgroupCount: number;
  /** Each cgroup's shares (its cpu.weight in the sim's weight unit: cgroupShares()). */
  private readonly cgShares: Float64Array;

  /** The cgroup (index into the cgroup levels) a task's entity sits in, -1 = the root. */
  private readonly tCgroup: Int32Array;
  private readonly tStarted: Uint8Array;

  // Scheduling entities: tasks (0..nt-1), then one group entity per (cgroup, CPU),
  // entity nt + cgroup * cpus + cpu, sitting on that CPU's root runqueue.
  /** The runqueue an entity is on (queued, current or delayed), else -1. */
  private readonly eRq: Int32Array;
  private readonly eWeight: Float64Array;
  private readonly eV: Float64Array;
  private readonly eVd: Float64Array;
  private readonly eVprot: Float64Array;
  private readonly eVlag: Float64Array;
  /** A group entity stays on its runqueue while ineligible after its group emptied (DELAY_DEQUEUE). */
  private readonly geDelayed: Uint8Array;

  // Runqueues: CPU c's root is runqueue c; cgroup g's runqueue on CPU c is cpus + g * cpus + c.
  /** Each runqueue's waiting entities (queued and delayed), in enqueue order. */
  private readonly rqWaiting: number[][];
  /** Each runqueue's current entity (cfs_rq->curr): on the running task's path, else -1. */
  private readonly rqCurr: Int32Array;
  /** V of each runqueue when last computed: where an empty runqueue places an entity. */
  private readonly rqZeroV: Float64Array;
  /** The summed weight of the tasks on each cgroup runqueue (cfs_rq->load.weight). */
  private readonly rqTaskLoad: Float64Array;
  /** The summed rqTaskLoad of each cgroup over all CPUs (stands in for tg->load_avg). */
  private readonly cgLoad: Float64Array;

  /**
   * When each CPU's hrtick fires (rq->hrtick_timer: HRTICK, on in 7.2 with
   * CONFIG_HRTIMER_REARM_DEFERRED), or -1 when it is not armed.
   */
  private readonly hrtickAt: Float64Array;


  constructor(workload: Workload, model: SimModel, options: SimOptions = {}) {
    super(workload, model, options, workload.tasks.length, workload.groups.length, true);
    const w = workload;
    const nt = w.tasks.length;
    const n = model.cpus;
    this.nt = nt;
    this.tick = model.tickNs;
    this.wakeup = model.baselineWakeupNs;
    this.baseSliceNs = eevdfBaseSliceNs(n);
    this.lagLimitNs = this.baseSliceNs + (this.tick > 0 ? this.tick : 1_000_000);

    // Which groups are cgroups of their own: all but the ones in the root cgroup, unless flat.
    const groupCgroup = cgroupLevels(w, model.baselineCgroups);
    const ncg = groupCgroup.reduce((m, c) => Math.max(m, c + 1), 0);
    this.cgroupCount = ncg;
    this.cgShares = new Float64Array(ncg);
    const weights = baselineCpuWeights(w, model);
    groupCgroup.forEach((cg, g) => {
      if (cg >= 0) this.cgShares[cg] = cgroupShares(weights[g]!);
    });

    this.tCgroup = new Int32Array(nt);
    this.tStarted = new Uint8Array(nt);

    const ne = nt + ncg * n;
    this.eRq = new Int32Array(ne).fill(-1);
    this.eWeight = new Float64Array(ne);
    for (let cg = 0; cg < ncg; cg++) this.eWeight.fill(this.cgShares[cg]!, nt + cg * n, nt + (cg + 1) * n);
    this.eV = new Float64Array(ne);
    this.eVd = new Float64Array(ne);
    this.eVprot = new Float64Array(ne);
    this.eVlag = new Float64Array(ne);
    this.geDelayed = new Uint8Array(ne);
    w.tasks.forEach((t, i) => {
      this.tCgroup[i] = groupCgroup[t.group]!;
      this.eWeight[i] = t.weight > 0 ? t.weight : NICE0_WEIGHT;
    });

    const nrq = n + ncg * n;
    this.rqWaiting = Array.from({ length: nrq }, () => []);
    this.rqCurr = new Int32Array(nrq).fill(-1);
    this.rqZeroV = new Float64Array(nrq);
    this.rqTaskLoad = new Float64Array(nrq);
    this.cgLoad = new Float64Array(ncg);
    this.hrtickAt = new Float64Array(n).fill(-1);
  }

  /** The weight of cgroup `cgroup`'s group entity on CPU `cpu` now (for tests). */
  groupEntityWeight(cgroup: number, cpu: number): number {
    return this.eWeight[this.nt + cgroup * this.n + cpu]!;
  }

  // ---- the hierarchy ----------------------------------------------------------------------

  /** The runqueue task k's entity belongs on when on CPU c. */
  private taskRq(k: number, c: number): number {
    const g = this.tCgroup[k]!;
    return g < 0 ? c : this.n + g * this.n + c;
  }

  /** The group entity a runqueue belongs to (-1 for a CPU's root). */
  private ownerOf(rq: number): number {
    return rq < this.n ? -1 : rq - this.n + this.nt;
  }

  /** The cgroup runqueue a group entity stands for. */
  private groupRqOf(ge: number): number {
    return ge - this.nt + this.n;
  }

  /** The CPU a runqueue belongs to. */
  private cpuOfRq(rq: number): number {
    return rq % this.n;
  }

  /** The entity above entity e (its cgroup's group entity), or -1 at the root. */
  private parentOf(e: number): number {
    if (e >= this.nt) return -1;
    const rq = this.eRq[e]!;
    return rq >= this.n ? this.ownerOf(rq) : -1;
  }

  private isDelayed(e: number): boolean {
    return e < this.nt ? this.tState[e] === S_DELAYED : this.geDelayed[e] === 1;
  }

  private rqEmpty(rq: number): boolean {
    return this.rqWaiting[rq]!.length === 0 && this.rqCurr[rq]! < 0;
  }

  /** A task joins or leaves a runqueue: the load calc_group_shares() reads. */
  private taskLoadChange(rq: number, k: number, sign: 1 | -1): void {
    if (rq < this.n) return;
    const wk = sign * this.eWeight[k]!;
    this.rqTaskLoad[rq]! += wk;
    this.cgLoad[Math.floor((rq - this.n) / this.n)]! += wk;
  }

  /**
   * calc_group_shares(): the cgroup's shares times this CPU's part of its load, clamped to
   * [MIN_SHARES, shares]; the load is the runnable (and delayed) tasks' weight, not PELT.
   */
  private groupShares(ge: number): number {
    const rq = this.groupRqOf(ge);
    const load = this.rqTaskLoad[rq]!;
    const tgLoad = this.cgLoad[Math.floor((rq - this.n) / this.n)]!;
    const cgShares = this.cgShares[Math.floor((rq - this.n) / this.n)]!;
    const shares = tgLoad > 0 ? (cgShares * load) / tgLoad : cgShares;
    return shares < CGROUP_MIN_SHARES ? CGROUP_MIN_SHARES : shares > cgShares ? cgShares : shares;
  }

  /**
   * update_cfs_group() + reweight_entity(): a group entity takes its current shares (kept
   * when its group is empty); on a runqueue, its lag and relative deadline (and protection,
   * when current) are kept, scaled by old / new weight.
   */
  private refreshGroupWeight(ge: number): void {
    if (this.rqTaskLoad[this.groupRqOf(ge)]! <= 0) return;
    const w = this.groupShares(ge);
    const old = this.eWeight[ge]!;
    if (Math.abs(w - old) < 1e-9) return;
    const scale = old / w;
    const rq = this.eRq[ge]!;
    if (rq < 0) {
      this.eVlag[ge]! *= scale;
      this.eWeight[ge] = w;
      return;
    }
    const V = this.avgV(rq);
    const lag = this.lagOf(ge, V) * scale;
    const relD = (this.eVd[ge]! - V) * scale;
    const isCurr = this.rqCurr[rq] === ge;
    const relProt = isCurr && this.eV[ge]! < this.eVprot[ge]! ? (this.eVprot[ge]! - V) * scale : null;
    this.eWeight[ge] = w;
    this.eV[ge] = V - lag;
    this.eVd[ge] = V + relD;
    if (relProt !== null) this.eVprot[ge] = V + relProt;
  }

  /** A cgroup runqueue got a task: its group entity joins the root (placed, or requeued if delayed) or is reweighted. */
  private groupGained(rq: number): void {
    if (rq < this.n) return;
    const ge = this.ownerOf(rq);
    if (this.eRq[ge]! < 0) {
      this.refreshGroupWeight(ge);
      this.placeEntity(this.cpuOfRq(rq), ge, false);
      return;
    }
    if (this.geDelayed[ge] === 1) {
      // requeue_delayed_entity() with DELAY_ZERO: a positive lag is dropped.
      this.geDelayed[ge] = 0;
      const root = this.eRq[ge]!;
      const V = this.avgV(root);
      if (this.lagOf(ge, V) > 0) {
        this.removeWaiting(root, ge);
        this.eRq[ge] = -1;
        this.eVlag[ge] = 0;
        this.placeEntity(root, ge, false);
      }
    }
    this.refreshGroupWeight(ge);
  }

  /** A cgroup runqueue lost a task: its group entity leaves the root when it emptied (as a sleeper), else is reweighted. */
  private groupLost(rq: number): void {
    if (rq < this.n) return;
    const ge = this.ownerOf(rq);
    if (!this.rqEmpty(rq)) {
      this.refreshGroupWeight(ge);
      return;
    }
    // dequeue_entities() goes on up with DEQUEUE_SLEEP: an ineligible group entity is delayed.
    const root = this.eRq[ge]!;
    const V = this.avgV(root);
    this.eVlag[ge] = this.lagOf(ge, V);
    const wasCurr = this.rqCurr[root] === ge;
    if (wasCurr) this.rqCurr[root] = -1;
    if (this.eV[ge]! > V + V_EPS) {
      this.geDelayed[ge] = 1;
      if (wasCurr) this.rqWaiting[root]!.push(ge);
      return;
    }
    if (!wasCurr) this.removeWaiting(root, ge);
    this.eRq[ge] = -1;
  }

  // ---- events ---------------------------------------------------------------------------

  protected override onWake(k: number, t: number): void {
    if (this.tState[k] === S_DELAYED) this.finishDelayedDequeue(k, t);
    if (this.advance(k, t) !== STEP_RUN) return;
    this.startJob(k, t, 1);
    if (this.wakeup > 0) this.queueWoken(k, t, this.wakeup);
    else this.enqueueWoken(k, t);
  }

  protected override onWokenArrives(k: number, t: number): void {
    this.enqueueWoken(k, t);
  }

  /** A timer on CPU c: the current task's burst ended, its hrtick fired, or a tick past a protected slice. */
  protected override onCpuTimer(c: number, t: number): void {
    const k = this.cpuTask[c]!;
    this.updateCurr(c, t);
    const hrtick = this.hrtickAt[c]! >= 0 && this.hrtickAt[c]! <= t;
    if (hrtick) this.hrtickAt[c] = -1;
    if (this.tRemain[k]! <= REMAIN_EPS) {
      this.gBursts[this.tGroup[k]!]!++;
      const next = this.advance(k, t);
      if (next !== STEP_RUN) {
        this.dequeueTask(c, k, next === STEP_BLOCKED);
        this.schedule(c, t);
        return;
      }
    }
    // entity_tick(): the group entities on the running path take their current shares.
    for (let e = this.parentOf(k); e >= 0; e = this.parentOf(e)) this.refreshGroupWeight(e);
    if (hrtick || this.pastProtection(k)) {
      // The hrtick (entity_tick(queued): resched_curr()), or update_curr() at the tick: a
      // slice is used up (resched_curr_lazy(), promoted by sched_tick() and acted on at the
      // tick's return to user space); pick again.
      this.schedule(c, t, true);
    } else {
      this.armTimer(c, t);
    }
  }

  /** Some level of running task k's path has others waiting and its entity past its protected slice. */
  private pastProtection(k: number): boolean {
    for (let e = k; e >= 0; e = this.parentOf(e)) {
      if (this.rqWaiting[this.eRq[e]!]!.length > 0 && this.eV[e]! >= this.eVprot[e]! - V_EPS) return true;
    }
    return false;
  }

  // ---- virtual time -----------------------------------------------------------------------

  /** calc_delta_fair(): ns of CPU in entity e's virtual time. */
  private vdelta(e: number, ns: number): number {
    return (ns * NICE0_WEIGHT) / this.eWeight[e]!;
  }

  /** avg_vruntime(): V of a runqueue (its current entity included). */
  private avgV(rq: number): number {
    const waiting = this.rqWaiting[rq]!;
    const curr = this.rqCurr[rq]!;
    let load = 0;
    let sum = 0;
    const v0 = this.rqZeroV[rq]!;
    for (let i = 0; i < waiting.length; i++) {
      const e = waiting[i]!;
      const we = this.eWeight[e]!;
      load += we;
      sum += (this.eV[e]! - v0) * we;
    }
    if (curr >= 0) {
      const we = this.eWeight[curr]!;
      load += we;
      sum += (this.eV[curr]! - v0) * we;
    }
    if (load === 0) return v0;
    const v = v0 + sum / load;
    this.rqZeroV[rq] = v;
    return v;
  }

  private rqLoad(rq: number): number {
    const waiting = this.rqWaiting[rq]!;
    let load = 0;
    for (let i = 0; i < waiting.length; i++) load += this.eWeight[waiting[i]!]!;
    const curr = this.rqCurr[rq]!;
    if (curr >= 0) load += this.eWeight[curr]!;
    return load;
  }

  /**
   * update_curr() at every level: charges CPU c's running task and its group entity up to
   * t, renewing a deadline when reached.
   */
  private updateCurr(c: number, t: number): void {
    const k = this.cpuTask[c]!;
    if (k < 0) return;
    const from = this.cpuFrom[c]!;
    if (t <= from) return;
    const ns = t - from;
    this.cpuFrom[c] = t;
    this.charge(k, ns);
    for (let e = k; e >= 0; e = this.parentOf(e)) {
      this.eV[e]! += this.vdelta(e, ns);
      if (this.eV[e]! >= this.eVd[e]! - V_EPS) {
        this.eVd[e] = this.eV[e]! + this.vdelta(e, this.baseSliceNs);
        this.totals.deadlineRenewals++;
      }
    }
  }

  /** entity_lag(): V - vruntime, clamped to the weight-scaled (max slice + tick). */
  private lagOf(e: number, V: number): number {
    const limit = this.vdelta(e, this.lagLimitNs);
    const lag = V - this.eV[e]!;
    return lag > limit ? limit : lag < -limit ? -limit : lag;
  }

  /**
   * pick_eevdf() on one runqueue: the eligible entity with the earliest virtual deadline;
   * with `protect`, an eligible current entity inside its protected slice (RUN_TO_PARITY)
   * is kept.
   */
  private pickEevdf(rq: number, protect: boolean): number {
    const waiting = this.rqWaiting[rq]!;
    const running = this.rqCurr[rq]!;
    let curr = running;
    if (waiting.length + (curr >= 0 ? 1 : 0) <= 1) return curr >= 0 ? curr : waiting.length > 0 ? waiting[0]! : -1;
    const V = this.avgV(rq);
    if (curr >= 0 && this.eV[curr]! > V + V_EPS) curr = -1;
    if (curr >= 0 && protect && this.eV[curr]! < this.eVprot[curr]! - V_EPS) return curr;
    let best = -1;
    let minV = -1;
    for (let i = 0; i < waiting.length; i++) {
      const e = waiting[i]!;
      if (minV < 0 || this.eV[e]! < this.eV[minV]!) minV = e;
      if (this.eV[e]! > V + V_EPS) continue;
      if (best < 0 || this.eVd[e]! < this.eVd[best]!) best = e;
    }
    if (best < 0 || (curr >= 0 && this.eVd[curr]! < this.eVd[best]!)) best = curr;
    if (best >= 0) return best;
    // Some entity is always eligible (the one with the smallest vruntime); should rounding
    // hide it, take that one.
    return running >= 0 && this.eV[running]! <= this.eV[minV]! ? running : minV;
  }

  /**
   * pick_next_entity() on one runqueue: picks, finishing the dequeue of the delayed entities
   * it meets; -1 when the runqueue is (or became) empty.
   */
  private pickOn(rq: number): number {
    for (;;) {
      const e = this.pickEevdf(rq, true);
      if (e < 0 || !this.isDelayed(e)) return e;
      this.finishPickedDelayed(e);
    }
  }

  /** pick_task_fair(): picks down the hierarchy from CPU c's root; a task, or -1. */
  private pick(c: number): number {
    restart: for (;;) {
      let rq = c;
      for (;;) {
        const e = this.pickEevdf(rq, true);
        if (e < 0) return -1;
        if (this.isDelayed(e)) {
          this.finishPickedDelayed(e);
          continue restart;
        }
        if (e < this.nt) return e;
        rq = this.groupRqOf(e);
      }
    }
  }

  /** A delayed entity picked: it leaves its runqueue with lag 0 (DELAY_ZERO: picked means eligible). */
  private finishPickedDelayed(e: number): void {
    const rq = this.eRq[e]!;
    this.removeWaiting(rq, e);
    this.eRq[e] = -1;
    this.eVlag[e] = 0;
    if (e < this.nt) {
      this.tState[e] = S_BLOCKED;
      this.taskLoadChange(rq, e, -1);
      this.groupLost(rq);
    } else {
      this.geDelayed[e] = 0;
    }
  }

  // ---- runqueue changes -------------------------------------------------------------------

  private removeWaiting(rq: number, e: number): void {
    const waiting = this.rqWaiting[rq]!;
    const i = waiting.indexOf(e);
    if (i >= 0) waiting.splice(i, 1);
  }

  /**
   * place_entity() and enqueue on runqueue rq: vruntime = V - lag (the lag inflated so that
   * it survives the entity's own effect on V), deadline = vruntime + slice (half a slice
   * for a task's first start; the kept relative deadline after a migration when
   * `relDeadline` >= 0).
   */
  private placeEntity(rq: number, e: number, initial: boolean, relDeadline = -1): void {
    const V = this.avgV(rq);
    let lag = this.eVlag[e]!;
    const load = this.rqLoad(rq);
    if (load > 0 && lag !== 0) lag = (lag * (load + this.eWeight[e]!)) / load;
    else if (load === 0) lag = 0;
    this.eV[e] = V - lag;
    if (relDeadline >= 0) {
      this.eVd[e] = this.eV[e]! + relDeadline;
    } else {
      const vslice = this.vdelta(e, this.baseSliceNs);
      this.eVd[e] = this.eV[e]! + (initial ? vslice / 2 : vslice);
    }
    this.eVlag[e] = 0;
    this.eRq[e] = rq;
    this.rqWaiting[rq]!.push(e);
  }

  /** enqueue_task_fair(): task k onto its runqueue on CPU c, then its group entity as needed. */
  private placeTask(c: number, k: number, initial: boolean, relDeadline = -1): void {
    const rq = this.taskRq(k, c);
    this.placeEntity(rq, k, initial, relDeadline);
    this.tState[k] = S_QUEUED;
    this.totals.enqueues++;
    this.taskLoadChange(rq, k, 1);
    this.groupGained(rq);
  }

  /** Queued (not delayed) tasks on CPU c's runqueues, with delayed ones when `withDelayed`. */
  private waitingTasks(c: number, withDelayed: boolean): number {
    let count = 0;
    for (let rq = c; rq < this.rqWaiting.length; rq += this.n) {
      for (const e of this.rqWaiting[rq]!) if (e < this.nt && (withDelayed || this.tState[e] === S_QUEUED)) count++;
    }
    return count;
  }

  /** select_task_rq_fair(), simplified: previous CPU if idle, an idle CPU, the previous CPU. */
  private selectCpu(k: number): number {
    const prev = this.tPrevCpu[k]!;
    if (prev >= 0 && this.cpuTask[prev]! < 0) return prev;
    const from = prev >= 0 ? prev : 0;
    for (let i = 1; i <= this.n; i++) {
      const c = (from + i) % this.n;
      if (this.cpuTask[c]! < 0) return c;
    }
    if (prev >= 0) return prev;
    let best = 0;
    let bestCount = this.waitingTasks(0, true);
    for (let c = 1; c < this.n; c++) {
      const count = this.waitingTasks(c, true);
      if (count < bestCount) {
        best = c;
        bestCount = count;
      }
    }
    return best;
  }

  /** The highest entity of task k's path (its group entity, or itself in the root). */
  private topOf(k: number): number {
    const p = this.parentOf(k);
    return p >= 0 ? p : k;
  }

  /** A woken task reaches its runqueue; the CPU runs it, or it preempts if the pick says so. */
  private enqueueWoken(k: number, t: number): void {
    const c = this.selectCpu(k);
    this.updateCurr(c, t);
    const initial = this.tStarted[k] === 0;
    this.tStarted[k] = 1;
    this.placeTask(c, k, initial);
    const r = this.cpuTask[c]!;
    if (r < 0) {
      this.schedule(c, t);
      return;
    }
    // hrtick_update() at the end of enqueue_task_fair(): the running task's hrtick is
    // armed now if it was not (it has company on this CPU now).
    if (this.hrtickAt[c]! < 0) this.armHrtick(c, r, t);
    // wakeup_preempt_fair(): find_matching_se() brings both to a common runqueue; preempt
    // when the woken side is what that runqueue would pick now.
    let se = r;
    let pse = k;
    if (this.eRq[r] !== this.eRq[k]) {
      se = this.topOf(r);
      pse = this.topOf(k);
    }
    const level = this.eRq[se]!;
    if (this.pickOn(level) === pse) {
      this.totals.preemptKicks++;
      if (pse === k && level === c) {
        this.putBack(c, t, false);
        this.startTask(c, k, t);
      } else {
        this.schedule(c, t, true, false);
      }
    } else if (this.eV[se]! >= this.eVprot[se]! - V_EPS) {
      // The update_curr() of wakeup_preempt_fair() (and of enqueue_entity()) on that
      // runqueue, with others queued there, finds the current entity past its protected
      // slice (or its deadline reached: update_deadline()) and calls resched_curr_lazy();
      // the waking interrupt's return to user space (exit_to_user_mode_loop(), which
      // acts on TIF_NEED_RESCHED_LAZY too) then schedules: the pick runs now, not at
      // the next tick, even when it is not the woken task.
      this.schedule(c, t, true);
    } else {
      // update_protect_slice(): all slices are the base slice, so at most the deadline.
      const vp = this.eV[se]! + this.vdelta(se, this.baseSliceNs);
      if (vp < this.eVprot[se]!) this.eVprot[se] = vp;
      this.armTimer(c, t);
    }
  }

  /**
   * The running task of CPU c stops at t and goes back to its runqueue's waiting
   * entities (its group entity stays current at the root until the next pick changes it).
   * `sliceEnd`: it used up its slice, so a new SLO job starts (as the sched_ext engine
   * counts a slice expiry); otherwise (wake-up preemption) it resumes its job.
   */
  private putBack(c: number, t: number, sliceEnd: boolean): void {
    const k = this.cpuTask[c]!;
    const from = this.cpuFrom[c]!;
    if (from > t) this.totals.switchNs -= from - t; // preempted while still switching in
    this.cpuTask[c] = -1;
    const rq = this.eRq[k]!;
    this.rqCurr[rq] = -1;
    this.tState[k] = S_QUEUED;
    this.rqWaiting[rq]!.push(k);
    if (sliceEnd) this.startJob(k, t, 0);
  }

  /** dequeue_entities() of a task that blocks (`sleeping`) or exits, running on CPU c. */
  private dequeueTask(c: number, k: number, sleeping: boolean): void {
    const rq = this.eRq[k]!;
    const V = this.avgV(rq);
    this.cpuTask[c] = -1;
    this.rqCurr[rq] = -1;
    if (sleeping && this.eV[k]! > V + V_EPS) {
      // DELAY_DEQUEUE: not eligible, so it stays on the runqueue until picked or woken.
      this.eVlag[k] = this.lagOf(k, V);
      this.tState[k] = S_DELAYED;
      this.rqWaiting[rq]!.push(k);
      return;
    }
    this.eVlag[k] = sleeping ? this.lagOf(k, V) : 0;
    this.eRq[k] = -1;
    this.taskLoadChange(rq, k, -1);
    this.groupLost(rq);
  }

  /** A delayed task is woken: its lag (never worse than at sleep, at most 0) and off the queue. */
  private finishDelayedDequeue(k: number, t: number): void {
    const rq = this.eRq[k]!;
    this.updateCurr(this.cpuOfRq(rq), t);
    const V = this.avgV(rq);
    let lag = this.lagOf(k, V);
    if (lag < this.eVlag[k]!) lag = this.eVlag[k]!;
    if (lag > 0) lag = 0;
    this.eVlag[k] = lag;
    this.removeWaiting(rq, k);
    this.eRq[k] = -1;
    this.tState[k] = S_BLOCKED;
    this.taskLoadChange(rq, k, -1);
    this.groupLost(rq);
  }

  // ---- CPUs -------------------------------------------------------------------------------

  /**
   * CPU c picks what runs next (`keepCurr`: its running task is still runnable and in the
   * pick; `sliceEnd`: and it is stopped because its slice is used up, not by a wake-up);
   * with nothing, it pulls a waiting task from the busiest CPU or idles.
   */
  private schedule(c: number, t: number, keepCurr = false, sliceEnd = true): void {
    const curr = this.cpuTask[c]!;
    let k = this.pick(c);
    if (keepCurr && k === curr) {
      this.totals.sliceRefills++;
      this.armTimer(c, t);
      return;
    }
    if (keepCurr && curr >= 0) this.putBack(c, t, sliceEnd);
    if (k < 0 && this.pullTask(c, t)) k = this.pick(c);
    if (k < 0) {
      this.goIdle(c, t);
      return;
    }
    this.startTask(c, k, t);
  }

  /** Newidle balance: moves the oldest waiting task of the busiest CPU to CPU c. */
  private pullTask(c: number, t: number): boolean {
    let busiest = -1;
    let most = 0;
    for (let d = 0; d < this.n; d++) {
      if (d === c) continue;
      const waiting = this.waitingTasks(d, false);
      if (waiting > most) {
        most = waiting;
        busiest = d;
      }
    }
    if (busiest < 0) return false;
    let k = -1;
    let src = -1;
    for (let rq = busiest; rq < this.rqWaiting.length && k < 0; rq += this.n) {
      const found = this.rqWaiting[rq]!.find((j) => j < this.nt && this.tState[j] === S_QUEUED);
      if (found !== undefined) {
        k = found;
        src = rq;
      }
    }
    this.updateCurr(busiest, t);
    const V = this.avgV(src);
    this.eVlag[k] = this.lagOf(k, V);
    const rel = this.eVd[k]! - this.eV[k]!;
    this.removeWaiting(src, k);
    this.eRq[k] = -1;
    this.taskLoadChange(src, k, -1);
    this.groupLost(src);
    this.placeTask(c, k, false, rel);
    const running = this.cpuTask[busiest]!;
    if (running >= 0 && !this.othersWaiting(running)) this.armTimer(busiest, t);
    return true;
  }

  /** Some runqueue on running task k's path has waiting entities. */
  private othersWaiting(k: number): boolean {
    for (let e = k; e >= 0; e = this.parentOf(e)) if (this.rqWaiting[this.eRq[e]!]!.length > 0) return true;
    return false;
  }

  private goIdle(c: number, t: number): void {
    this.cpuTask[c] = -1;
    this.idleFrom(c, t);
    this.hrtickAt[c] = -1; // hrtick_schedule_exit(): an idle runqueue cancels it
    this.setCpuTimer(c, Infinity);
  }

  /**
   * Task k starts on CPU c: set_next_entity() at each level where the current entity
   * changes (the entity it replaces goes back to waiting; a new current one's protected
   * slice is set: RUN_TO_PARITY with all slices the base slice, so its deadline).
   */
  private startTask(c: number, k: number, t: number): void {
    if (this.cpuTask[c]! < 0) this.busyFrom(c, t);
    for (let e = k; e >= 0; e = this.parentOf(e)) {
      const rq = this.eRq[e]!;
      const prev = this.rqCurr[rq]!;
      if (prev === e) continue;
      if (prev >= 0) this.rqWaiting[rq]!.push(prev);
      this.removeWaiting(rq, e);
      this.rqCurr[rq] = e;
      this.eVprot[e] = this.eVd[e]!;
    }
    this.switchIn(c, k, t);
    // set_next_task_fair(first) -> hrtick_start_fair() (armed only with company here).
    this.armHrtick(c, k, t);
    this.armTimer(c, t);
  }

  /**
   * hrtick_start_fair(): CPU c's hrtick is armed for when running task k's own vruntime
   * reaches its virtual deadline (delta = weight * (deadline - vruntime) / NICE_0_LOAD,
   * at least 10 us: hrtick_start()), counted from when k runs (after the switch). Armed
   * only when k has company on the CPU (rq->cfs.h_nr_queued > 1, delayed tasks counted).
   * When it fires, hrtick() -> task_tick_fair(queued = 1) -> entity_tick() updates every
   * level and calls resched_curr(): the CPU picks again then, not at the next tick.
   */
  private armHrtick(c: number, k: number, t: number): void {
    if (this.waitingTasks(c, true) === 0) return;
    const from = Math.max(t, this.cpuFrom[c]!);
    const delta = ((this.eVd[k]! - this.eV[k]!) * this.eWeight[k]!) / NICE0_WEIGHT;
    this.hrtickAt[c] = Math.ceil(from + Math.max(HRTICK_MIN_NS, delta));
  }

  /**
   * CPU c's next timer: the end of the running task's burst, or, at a level of its path
   * with others waiting, the tick at which its entity there is past its protected slice
   * (the first tick after its vruntime reaches the protection, or the next tick when it
   * is past it already); with no tick, the moment it reaches the protection or deadline.
   */
  private armTimer(c: number, t: number): void {
    const k = this.cpuTask[c]!;
    const from = Math.max(t, this.cpuFrom[c]!);
    let at = from + Math.max(0, this.tRemain[k]!);
    for (let e = k; e >= 0; e = this.parentOf(e)) {
      if (this.rqWaiting[this.eRq[e]!]!.length === 0) continue;
      const v = this.eV[e]!;
      const protectedTo = this.eVprot[e]!;
      let slice: number;
      if (v < protectedTo - V_EPS) {
        slice = Math.ceil(from + ((protectedTo - v) * this.eWeight[e]!) / NICE0_WEIGHT);
        if (this.tick > 0) slice = Math.ceil(slice / this.tick) * this.tick;
      } else if (this.tick > 0) {
        slice = (Math.floor(t / this.tick) + 1) * this.tick;
      } else {
        slice = Math.ceil(from + ((this.eVd[e]! - v) * this.eWeight[e]!) / NICE0_WEIGHT);
      }
      if (slice <= t) slice = this.tick > 0 ? (Math.floor(t / this.tick) + 1) * this.tick : t + 1;
      if (slice < at) at = slice;
    }
    const hr = this.hrtickAt[c]!;
    if (hr >= 0 && hr < at) at = Math.max(hr, t);
    this.setCpuTimerAsEvent(c, at);
  }

  // ---- end of the replay ----------------------------------------------------------------------

  protected override chargeUntil(c: number, t: number): void {
    this.updateCurr(c, t);
  }

  protected override isWaiting(k: number): boolean {
    return this.tState[k] === S_QUEUED || this.tState[k] === S_WAKING;
  }

  protected override describe(): { policy: string; kernelFastPath: boolean } {
    return { policy: EEVDF_BASELINE_NAME, kernelFastPath: false };
  }

  // ---- invariants (tests) ------------------------------------------------------------------

  protected override checkInvariants(t: number): void {
    const fail = (what: string): never => {
      throw new Error(`eevdf invariant violated at t=${t} ns: ${what}`);
    };
    let idle = 0;
    let waitingRunnable = 0;
    for (let c = 0; c < this.n; c++) {
      const k = this.cpuTask[c]!;
      if (k >= 0) {
        if (this.tState[k] !== S_RUNNING) fail(`CPU ${c} runs task ${k} in state ${this.tState[k]}`);
        if (this.eRq[k] !== this.taskRq(k, c)) fail(`task ${k} runs on CPU ${c} but is on runqueue ${this.eRq[k]}`);
        if (this.rqCurr[this.eRq[k]!] !== k) fail(`task ${k} runs on CPU ${c} but is not its runqueue's current entity`);
        if (this.rqCurr[c] !== this.topOf(k)) fail(`CPU ${c}'s root has current entity ${this.rqCurr[c]}, not task ${k}'s path`);
      } else {
        idle++;
        if (!this.rqEmpty(c)) fail(`idle CPU ${c} has entities on its root runqueue`);
      }
    }
    for (let rq = 0; rq < this.rqWaiting.length; rq++) {
      for (const e of this.rqWaiting[rq]!) {
        if (this.eRq[e] !== rq) fail(`entity ${e} waits on runqueue ${rq} but names runqueue ${this.eRq[e]}`);
        if (e < this.nt) {
          if (this.tState[e] !== S_QUEUED && this.tState[e] !== S_DELAYED) fail(`task ${e} waits on runqueue ${rq} in state ${this.tState[e]}`);
          if (this.tState[e] === S_QUEUED) waitingRunnable++;
        } else if (this.geDelayed[e] === 0 && this.rqEmpty(this.groupRqOf(e))) {
          fail(`group entity ${e} is queued with an empty group`);
        }
      }
      if (rq >= this.n) {
        const ge = this.ownerOf(rq);
        if (!this.rqEmpty(rq) && (this.eRq[ge] !== this.cpuOfRq(rq) || this.geDelayed[ge] === 1)) fail(`cgroup runqueue ${rq} has entities but its group ` +
          `entity is not queued`);
      }
    }
    if (idle > 0 && waitingRunnable > 0) fail(`${idle} CPUs idle while ${waitingRunnable} tasks wait`);
  }
}

/** Replays `workload` under the eevdf kernel-default model; see EevdfSimulation. */
export function simulateEevdf(workload: Workload, model: SimModel, options: SimOptions = {}): SimResult {
  return new EevdfSimulation(workload, model, options).run();
}
