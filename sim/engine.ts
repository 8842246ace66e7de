// The discrete-event simulator: replays a Workload on `cpus` simulated CPUs through a
// policy module (the same module object the live agent runs), modelling the live
// scx-slo kernel side (bpf/scx_slo.bpf.c):
//   - a task that becomes runnable gets a new sequence number; a wake-up or a slice
//     expiry starts a new EDF job (enq = now, deadline = now + laxity), a preempted task
//     resumes its job (same enq and deadline, not counted again); urgent tasks (laxity
//     <= directMaxNs, fast-path policies only) go to the kernel's EDF queue, may wake an
//     idle CPU or preempt the CPU whose running job has the latest deadline, if later
//     than theirs; all others go to policy.enqueue() as a TaskRecord (optionally after
//     agentLagNs);
//   - a CPU that needs work takes, in order, its local queue (decisions naming it), the
//     kernel EDF queue, SLO_DSQ_USER (decided tasks, by the policy's key), then asks
//     policy.dispatch(now, dispatchBatch); decisions for another CPU go to that CPU's
//     local queue, stale or malformed decisions are dropped and counted;
//   - a slice that expires with nothing else waiting is refilled (the task keeps running,
//     as in sched_ext); a CPU switching to another task pays contextSwitchNs;
//   - a running task past its deadline starts a new job at the next tick (tickNs);
//   - a woken task reaches the scheduler wakeupNs after its wake-up (the wake-up path);
//   - optionally (agentCpuNsPerRecord > 0) the agent is a CPU consumer: one pseudo-task
//     (index = the workload's task count, its own pseudo group) that records wait for;
//     the kernel queues it urgently with deadline now + agentDeadlineNs, it runs a round
//     of n records for n * agentCpuNsPerRecord, then hands them to policy.enqueue().
// The event loop, the task and CPU bookkeeping and the results are the simulator core's
// (sim-core.ts); this file is the scx-slo side plugged into it. Hot-path state lives in
// typed arrays indexed by task or CPU. Each CPU's single timer is the end of its burst
// or slice, or the tick that renews a running job's deadline; the preemption victim
// comes from an index of CPUs by their current deadline. The loop allocates only what
// the policy API requires (one TaskRecord per enqueue, the policy's Decision arrays).
import { TaskFlags, type Decision, type Policy, type PolicyModule, type SloEntry, type TaskRecord } from '../policy/api.js';
import { MIN_KERNEL_SLICE_NS, type SimModel } from './sim-model.js';
import { CpusByDeadline } from './cpus-by-deadline.js';
import { EV_SCHEDULER, S_BLOCKED, S_RUNNING, S_SCHEDULER, S_WAKING, SimCore, type SimOptions } from './sim-core.js';
import type { SimResult, SimTotals } from './sim-result.js';
import { TaskHeap } from './task-heap.js';
import { STEP_RUN } from './task-script.js';
import type { Workload, WorkloadGroup } from './workload.js';

// Task states (with the core's S_BLOCKED, S_EXITED, S_WAKING, S_RUNNING).
const S_POLICY = S_SCHEDULER; // handed to the policy, no decision yet
const S_EDF = S_SCHEDULER + 1; // in the kernel EDF queue
const S_LOCAL = S_SCHEDULER + 2; // decided for a CPU, in its local queue
const S_USERDSQ = S_SCHEDULER + 3; // decided, waiting in SLO_DSQ_USER
const S_RING = S_SCHEDULER + 4; // on its way to the policy (agentLagNs)
const S_AGENT = S_SCHEDULER + 5; // its record waits for the agent's round (agentCpuNsPerRecord)

// Event kinds (with the core's wake-ups): a record reaches the agent after agentLagNs,
// `gen` the enqueue sequence it is for.
const EV_AGENT = EV_SCHEDULER;

/** The SLO table the policy reads: cgroup id -> SLO of the workload's groups. */
class GroupSloTable {
  private readonly table = new Map<number, SloEntry>();
  constructor(groups: readonly WorkloadGroup[]) {
    for (const g of groups) if (g.slo !== null) this.table.set(g.cgroupId, { budgetNs: g.slo.budgetNs, importance: g.slo.importance });
  }
  get(cgroupId: number): SloEntry | undefined {
    return this.table.get(cgroupId);
  }
}

export class Simulation extends SimCore {
  private readonly policy: Policy;
  private readonly slice: number;
  private readonly directMax: number;
  private readonly batch: number;
  private readonly lag: number;
  /** Wake-up cost (model.wakeupNs): a woken task reaches the scheduler this much later. */
  private readonly wakeup: number;
  /** Tick period for deadline renewal; 0 = none (nothing preempts, or tickNs = 0). */
  private readonly tick: number;
  /** The agent pseudo-task's index (after the workload's tasks), or -1 when the agent is not modelled. */
  private readonly agentTask: number;
  /** Agent CPU per record, ns (model.agentCpuNsPerRecord). */
  private readonly agentCost: number;
  /** The agent's deadline offset, ns (model.agentDeadlineNs, ctl.lag_ns). */
  private readonly agentDeadline: number;
  /** Tasks whose records wait for the agent's next round, and the ones of its current round. */
  private agentInbox: number[] = [];
  private agentRound: number[] = [];

  // Workload.
  private readonly tPid: Float64Array;
  private readonly tTgid: Float64Array;
  private readonly tCgroup: Float64Array;
  private readonly tSloCgroup: Float64Array;
  private readonly tWeight: Float64Array;
  private readonly gKernelSlice: Float64Array;
  /** pid -> task index: a dense table when pids are small (the usual case), else a Map. */
  private readonly pidTable: Int32Array | null;
  private readonly pidMap = new Map<number, number>();

  // Task state (with the core's).
  private readonly tSeq: Float64Array;
  private readonly tSlice: Float64Array;
  private readonly tQueueKey: Float64Array;
  private readonly tQueueOrder: Float64Array;
  private queueOrder = 0;

  // CPU state (with the core's).
  private readonly cpuSlice: Float64Array;
  private readonly cpuSliceEnd: Float64Array;
  /** CPUs by the deadline of their running job (cur_deadline): the preemption victim. */
  private readonly victims: CpusByDeadline;
  /** Only policies with the kernel fast path preempt, so only they need it. */
  private readonly useVictims: boolean;
  /** Idle CPUs, the most recently idled last; idlePos[c] is c's place there, or -1. */
  private readonly idleStack: Int32Array;
  private readonly idlePos: Int32Array;
  private idleCount = 0;
  private readonly localQueues: number[][];
  private readonly kickQueue: number[] = [];

  // Queues.
  private readonly edfDsq: TaskHeap;
  private readonly userDsq: TaskHeap;
  private policyPending = 0;

  private pickSlice = 0;

  constructor(
    workload: Workload,
    private readonly module: PolicyModule,
    model: SimModel,
    options: SimOptions = {},
  ) {
    // The agent, when modelled, is one more task (index nt) in a group of its own (ng).
    const agentOn = model.agentCpuNsPerRecord > 0;
    super(workload, model, options, workload.tasks.length + (agentOn ? 1 : 0), workload.groups.length + (agentOn ? 1 : 0), false);
    const w = workload;
    const nt = w.tasks.length;
    const ng = w.groups.length;
    const slots = this.tState.length;
    const groupSlots = this.gDelay.length;
    this.agentTask = agentOn ? nt : -1;
    this.agentCost = model.agentCpuNsPerRecord;
    this.agentDeadline = model.agentDeadlineNs;
    this.slice = model.sliceNs;
    this.directMax = module.urgentInKernel === true && model.directMaxNs > 0 ? model.directMaxNs : -1;
    this.batch = model.dispatchBatch;
    this.lag = model.agentLagNs;
    this.wakeup = model.wakeupNs;
    this.policy = module.createPolicy({ nrCpus: this.n, slos: new GroupSloTable(w.groups), options: options.policyOptions ?? {} });

    this.tPid = new Float64Array(slots);
    this.tTgid = new Float64Array(slots);
    this.tCgroup = new Float64Array(slots);
    this.tSloCgroup = new Float64Array(slots);
    this.tWeight = new Float64Array(slots);
    this.gKernelSlice = new Float64Array(groupSlots);
    if (agentOn) {
      // job_deadline() for the agent: now + the lag bound; kernel_slice() from that.
      this.tGroup[nt] = ng;
      this.gDelay[ng] = this.agentDeadline;
    }
    for (let g = 0; g < groupSlots; g++) this.gKernelSlice[g] = Math.max(MIN_KERNEL_SLICE_NS, Math.min(this.slice, this.gDelay[g]!));

    this.tSeq = new Float64Array(slots);
    this.tSlice = new Float64Array(slots);
    this.tQueueKey = new Float64Array(slots);
    this.tQueueOrder = new Float64Array(slots);
    w.tasks.forEach((t, i) => {
      this.tPid[i] = t.pid;
      this.pidMap.set(t.pid, i);
      this.tTgid[i] = t.tgid;
      const g = w.groups[t.group]!;
      this.tCgroup[i] = g.cgroupId;
      this.tSloCgroup[i] = g.slo === null ? 0 : g.cgroupId;
      this.tWeight[i] = t.weight;
    });

    const maxPid = w.tasks.reduce((m, t) => Math.max(m, t.pid), 0);
    this.pidTable = maxPid < 1 << 22 ? new Int32Array(maxPid + 1).fill(-1) : null;
    if (this.pidTable !== null) for (const [pid, k] of this.pidMap) this.pidTable[pid] = k;
    this.cpuSlice = new Float64Array(this.n);
    this.cpuSliceEnd = new Float64Array(this.n);
    this.victims = new CpusByDeadline(this.n);
    // The agent preempts (preemption_victim()) whatever the policy, so with it every policy does.
    this.useVictims = this.directMax >= 0 || agentOn;
    this.tick = this.useVictims ? model.tickNs : 0;
    this.idleStack = new Int32Array(this.n);
    this.idlePos = new Int32Array(this.n).fill(-1);
    this.localQueues = Array.from({ length: this.n }, () => []);
    // Every CPU starts idle; CPU 0 is taken first.
    for (let c = this.n - 1; c >= 0; c--) this.markIdle(c, 0);

    this.edfDsq = new TaskHeap(this.tKdl, this.tQueueOrder);
    this.userDsq = new TaskHeap(this.tQueueKey, this.tQueueOrder);
  }

  // ---- events -------------------------------------------------------------------

  /** Idle CPUs that got work in their local queue, or with decided tasks waiting, take it. */
  protected override afterEvent(now: number): void {
    if (this.kickQueue.length > 0) this.drainKicks(now);
    if (this.idleCount > 0 && (this.userDsq.length > 0 || this.edfDsq.length > 0)) this.fillIdleCpus(now);
  }

  protected override onEvent(_kind: number, target: number, gen: number, t: number): void {
    this.onAgent(target, gen, t); // EV_AGENT, the only kind of its own
  }

  protected override onWake(k: number, t: number): void {
    if (this.advance(k, t) !== STEP_RUN) return;
    if (this.wakeup <= 0) {
      this.enqueueTask(k, t, TaskFlags.WAKEUP);
      return;
    }
    // The wake-up path (model.wakeupNs): the job and its latency start now, the
    // scheduler sees the task when the path is over.
    this.startJob(k, t, 1);
    this.queueWoken(k, t, this.wakeup);
  }

  protected override onWokenArrives(k: number, t: number): void {
    this.enqueueTask(k, t, TaskFlags.WAKEUP, false, this.tEnq[k]!);
  }

  private onAgent(k: number, seq: number, t: number): void {
    if (this.tState[k] === S_RING && this.tSeq[k] === seq) this.deliver(k, t);
  }

  protected override onCpuTimer(c: number, t: number): void {
    const k = this.cpuTask[c]!;
    this.charge(k, t - this.cpuFrom[c]!);
    this.cpuFrom[c] = t;
    // A tick with the job past its deadline: armTimer() stops at the first such tick.
    if (this.tick > 0 && t > this.tKdl[k]! && t % this.tick === 0) this.renewDeadline(c, k, t);
    if (this.tRemain[k]! <= 0) {
      if (k === this.agentTask) {
        this.agentRoundDone(c, t);
        return;
      }
      this.gBursts[this.tGroup[k]!]!++;
      if (this.advance(k, t) === STEP_RUN) {
        if (t >= this.cpuSliceEnd[c]!) this.sliceExpired(c, k, t);
        else this.armTimer(c, k, t);
      } else {
        this.leaveCpu(c);
        this.schedule(c, t);
      }
    } else if (t >= this.cpuSliceEnd[c]!) {
      this.sliceExpired(c, k, t);
    } else {
      this.armTimer(c, k, t); // only a tick renewal
    }
  }

  /**
   * CPU c's timer, task k running from `from`: the end of its burst or slice, or the
   * first tick after its deadline if that comes first (the job is renewed there).
   */
  private armTimer(c: number, k: number, from: number): void {
    let at = this.cpuSliceEnd[c]!;
    const burstEnd = from + this.tRemain[k]!;
    if (burstEnd < at) at = burstEnd;
    const deadline = this.tKdl[k]!;
    if (this.tick > 0 && at > deadline) {
      const renew = this.nextTick(deadline > from ? deadline : from);
      if (renew < at) at = renew;
    }
    this.setCpuTimer(c, at);
  }

  /** The first tick strictly after `ns` (a multiple of the tick period). */
  private nextTick(ns: number): number {
    return (Math.floor(ns / this.tick) + 1) * this.tick;
  }

  /**
   * slo_tick(): task k on CPU c is running past its deadline at tick t, so a new job
   * starts: enq = t, deadline = t + laxity, and the CPU's current deadline follows. Its
   * first run was counted already (the task never stopped), so runs and misses are not.
   */
  private renewDeadline(c: number, k: number, t: number): void {
    const deadline = t + this.gDelay[this.tGroup[k]!]!;
    this.tEnq[k] = t;
    this.tKdl[k] = deadline;
    this.victims.set(c, deadline);
    this.totals.deadlineRenewals++;
  }

  // ---- task scripts -----------------------------------------------------------------

  protected override onExit(k: number): void {
    this.policy.taskExited?.(this.tPid[k]!);
  }

  // ---- enqueue path (ops.enqueue) --------------------------------------------------------

  /**
   * begin_enqueue() and slo_enqueue(): a new sequence number; a new job (enq = now,
   * deadline = now + laxity, its first run to be counted) unless `resumed`: a task put
   * back by a preemption keeps its job's enq, deadline and accounting. `jobStart` is
   * when the job began (the wake-up, when the wake-up path delayed the enqueue).
   */
  private enqueueTask(k: number, t: number, flags: number, resumed = false, jobStart = t): void {
    const g = this.tGroup[k]!;
    const delay = this.gDelay[g]!;
    this.totals.enqueues++;
    this.tSeq[k]!++;
    if (resumed) {
      this.tWakeEnq[k] = 0;
      this.tFirstPending[k] = 0;
    } else {
      this.startJob(k, jobStart, (flags & TaskFlags.WAKEUP) !== 0 ? 1 : 0);
    }
    if (delay <= this.directMax || k === this.agentTask) {
      // Urgent (the agent always is): the kernel queues it by deadline and finds it a CPU (queue_kernel()).
      this.totals.direct++;
      this.tState[k] = S_EDF;
      this.tQueueOrder[k] = this.queueOrder++;
      this.edfDsq.add(k);
      const c = this.pickIdleCpu(this.tPrevCpu[k]!);
      if (c >= 0) this.schedule(c, t);
      else this.tryPreempt(this.tKdl[k]!, t);
      return;
    }
    if (this.lag > 0) {
      this.tState[k] = S_RING;
      this.push(t + this.lag, EV_AGENT, k, this.tSeq[k]!);
      return;
    }
    this.deliver(k, t);
  }

  /** Task k's record reaches the agent: the policy at once, or the agent's next round when it is modelled. */
  private deliver(k: number, t: number): void {
    if (this.agentTask >= 0) this.toAgent(k, t);
    else this.handToPolicy(k, t);
  }

  /** Hands task k's record to the policy and wakes an idle CPU to ask for a decision. */
  private handToPolicy(k: number, t: number): void {
    const flags = this.tWakeEnq[k] === 1 ? TaskFlags.WAKEUP : TaskFlags.SLICE_EXPIRED;
    const record: TaskRecord = {
      pid: this.tPid[k]!,
      tgid: this.tTgid[k]!,
      cgroupId: this.tCgroup[k]!,
      sloCgroupId: this.tSloCgroup[k]!,
      prevCpu: this.tPrevCpu[k]!,
      enqNs: this.tEnq[k]!,
      deadlineNs: this.tKdl[k]!,
      runtimeNs: this.tRuntime[k]!,
      weight: this.tWeight[k]!,
      flags,
      seq: this.tSeq[k]!,
    };
    this.tState[k] = S_POLICY;
    this.policyPending++;
    this.totals.toPolicy++;
    this.policy.enqueue(record);
    const c = this.pickIdleCpu(this.tPrevCpu[k]!);
    if (c >= 0) this.schedule(c, t);
  }

  /**
   * queue_kernel() with no idle CPU: preempts the CPU whose running job has the latest
   * deadline, if later than `deadline`, and puts its task back (resuming its job, unless
   * the model renews deadlines on preemption).
   */
  private tryPreempt(deadline: number, t: number): void {
    let victim: number;
    for (;;) {
      victim = this.victims.victim(deadline);
      if (victim < 0) return;
      if (this.cpuTask[victim]! >= 0) break;
      // Between two tasks (leaveCpu() leaves the index alone): cur_deadline is 0 there
      // since ops.stopping(), and the CPU is about to pick a task anyway.
      this.victims.clear(victim);
    }
    this.totals.preemptKicks++;
    const k = this.cpuTask[victim]!;
    let ran = t - this.cpuFrom[victim]!;
    if (ran < 0) {
      // Preempted while still switching in: only part of the switch happened.
      this.totals.switchNs += ran;
      ran = 0;
    }
    this.charge(k, ran);
    this.leaveCpu(victim);
    this.enqueueTask(k, t, TaskFlags.SLICE_EXPIRED, this.model.preemptKeepsDeadline);
    this.schedule(victim, t);
  }

  // ---- the agent as a CPU consumer (agentCpuNsPerRecord > 0) ---------------------------------

  /** Task k's record waits for the agent's next round; a sleeping agent wakes (slo_enqueue(): urgent, deadline now + lag). */
  private toAgent(k: number, t: number): void {
    this.tState[k] = S_AGENT;
    this.agentInbox.push(k);
    const a = this.agentTask;
    if (this.tState[a] === S_BLOCKED) this.enqueueTask(a, t, TaskFlags.WAKEUP);
  }

  /** The agent takes every waiting record into a round costing agentCost per record. */
  private beginAgentRound(): void {
    const round = this.agentInbox;
    this.agentInbox = this.agentRound;
    this.agentRound = round;
    this.tRemain[this.agentTask] = round.length * this.agentCost;
    this.totals.agentRecords += round.length;
    this.totals.agentRounds++;
  }

  /**
   * The agent on CPU c finished its round at t: the policy gets the round's records;
   * the agent goes on with the records that came meanwhile, or sleeps.
   */
  private agentRoundDone(c: number, t: number): void {
    const a = this.agentTask;
    const round = this.agentRound;
    for (let i = 0; i < round.length; i++) this.handToPolicy(round[i]!, t);
    round.length = 0;
    if (this.agentInbox.length > 0) {
      this.beginAgentRound();
      if (t >= this.cpuSliceEnd[c]!) this.sliceExpired(c, a, t);
      else this.armTimer(c, a, t);
    } else {
      this.tState[a] = S_BLOCKED;
      this.leaveCpu(c);
      this.schedule(c, t);
    }
  }

  private sliceExpired(c: number, k: number, t: number): void {
    if (this.localQueues[c]!.length > 0 || this.edfDsq.length > 0 || this.userDsq.length > 0 || this.policyPending > 0) {
      this.leaveCpu(c);
      this.enqueueTask(k, t, TaskFlags.SLICE_EXPIRED);
      this.schedule(c, t);
    } else {
      // Nothing else wants the CPU: sched_ext keeps the task running with a fresh slice.
      this.totals.sliceRefills++;
      const sliceEnd = t + this.cpuSlice[c]!;
      this.cpuSliceEnd[c] = sliceEnd;
      this.armTimer(c, k, t);
    }
  }

  // ---- dispatch path (ops.dispatch) --------------------------------------------------------

  /** CPU c has nothing running: give it work, or mark it idle. */
  private schedule(c: number, t: number): void {
    const k = this.pickNext(c, t);
    if (k < 0) {
      if (this.idlePos[c]! < 0) this.markIdle(c, t);
      return;
    }
    if (this.idlePos[c]! >= 0) this.unmarkIdle(c, t);
    this.startTask(c, k, t, this.pickSlice);
  }

  private pickNext(c: number, t: number): number {
    const local = this.localQueues[c]!;
    while (local.length > 0) {
      const k = local.shift()!;
      if (this.tState[k] === S_LOCAL) {
        this.pickSlice = this.tSlice[k]!;
        return k;
      }
    }
    if (this.edfDsq.length > 0) {
      const k = this.edfDsq.pop();
      this.pickSlice = this.gKernelSlice[this.tGroup[k]!]!;
      return k;
    }
    if (this.userDsq.length > 0) {
      const k = this.userDsq.pop();
      this.pickSlice = this.tSlice[k]!;
      return k;
    }
    if (this.policyPending > 0) {
      for (let round = 0; round < 64 && this.policy.queued > 0; round++) {
        const decisions = this.policy.dispatch(t, this.batch);
        if (!Array.isArray(decisions) || decisions.length === 0) break;
        const k = this.applyDecisions(decisions, c, t);
        if (k >= 0) return k;
      }
      if (this.policyPending > 0 && this.policy.queued === 0) {
        this.recoverLostTasks();
        if (this.edfDsq.length > 0) {
          const k = this.edfDsq.pop();
          this.pickSlice = this.gKernelSlice[this.tGroup[k]!]!;
          return k;
        }
      }
    }
    return -1;
  }

  /** Applies decisions for CPU c; returns the task c runs now (slice in pickSlice), or -1. */
  private applyDecisions(decisions: readonly Decision[], _c: number, t: number): number {
    let picked = -1;
    for (let i = 0; i < decisions.length; i++) {
      const d = decisions[i];
      if (typeof d !== 'object' || d === null) {
        this.totals.badDecisions++;
        continue;
      }
      const k = this.taskOfPid(d.pid);
      if (k < 0 || this.tState[k] !== S_POLICY || this.tSeq[k] !== d.seq) {
        this.totals.staleDecisions++;
        continue;
      }
      this.policyPending--;
      let slice = d.sliceNs;
      if (typeof slice !== 'number' || !(slice >= 0) || slice === Infinity) {
        this.totals.badDecisions++;
        slice = 0;
      }
      this.tSlice[k] = slice > 0 ? slice : this.slice;
      if (picked < 0) {
        picked = k;
        this.pickSlice = this.tSlice[k]!;
      } else {
        this.tState[k] = S_USERDSQ;
        const key = d.vtime;
        this.tQueueKey[k] = typeof key === 'number' && Number.isFinite(key) ? key : t;
        this.tQueueOrder[k] = this.queueOrder++;
        this.userDsq.add(k);
      }
    }
    if (picked >= 0) this.pickSlice = this.tSlice[picked]!;
    return picked;
  }

  /** The task with this pid, or -1 (unknown or malformed pid). */
  private taskOfPid(pid: unknown): number {
    if (typeof pid !== 'number') return -1;
    const table = this.pidTable;
    if (table !== null) return pid >= 0 && pid < table.length && Number.isInteger(pid) ? table[pid]! : -1;
    return this.pidMap.get(pid) ?? -1;
  }

  /** The policy holds no tasks but some were never decided: the kernel's lag fallback runs them. */
  private recoverLostTasks(): void {
    for (let k = 0; k < this.tState.length; k++) {
      if (this.tState[k] !== S_POLICY) continue;
      this.totals.lostTasks++;
      this.policyPending--;
      this.tState[k] = S_EDF;
      this.tQueueOrder[k] = this.queueOrder++;
      this.edfDsq.add(k);
    }
    this.policyPending = 0;
  }

  /** Idle CPUs that got work in their local queue look for it. */
  private drainKicks(t: number): void {
    while (this.kickQueue.length > 0) {
      const c = this.kickQueue.shift()!;
      if (this.cpuTask[c]! < 0) this.schedule(c, t);
    }
  }

  /** Decided tasks left in the shared queues (a dispatch batch) go to idle CPUs. */
  private fillIdleCpus(t: number): void {
    for (let guard = this.n; guard > 0 && this.idleCount > 0 && (this.userDsq.length > 0 || this.edfDsq.length > 0); guard--) {
      this.schedule(this.idleStack[this.idleCount - 1]!, t);
    }
  }

  private startTask(c: number, k: number, t: number, slice: number): void {
    const start = this.switchIn(c, k, t);
    this.cpuSlice[c] = slice;
    const sliceEnd = start + slice;
    this.cpuSliceEnd[c] = sliceEnd;
    if (k === this.agentTask) {
      // slo_running(): the running agent's current deadline is one lag bound from now.
      if (this.tRemain[k]! <= 0) this.beginAgentRound();
      this.victims.set(c, start + this.agentDeadline);
    } else if (this.useVictims) {
      this.victims.set(c, this.tKdl[k]!);
    }
    this.armTimer(c, k, start);
  }

  /**
   * The running task leaves CPU c. Its timer (in the timer tree) and deadline (in the
   * victim index) stay until the CPU starts another task or goes idle (schedule() always
   * follows), which saves two updates per switch; tryPreempt() skips and clears a CPU
   * caught in between.
   */
  private leaveCpu(c: number): void {
    this.cpuTask[c] = -1;
  }

  // ---- idle CPUs ------------------------------------------------------------------------

  private pickIdleCpu(prefer: number): number {
    if (this.idleCount === 0) return -1;
    if (prefer >= 0 && this.idlePos[prefer]! >= 0) return prefer;
    return this.idleStack[this.idleCount - 1]!;
  }

  private markIdle(c: number, t: number): void {
    if (this.cpuTimerAt[c] !== Infinity) this.timers.set(c, Infinity);
    if (this.useVictims) this.victims.clear(c);
    this.idlePos[c] = this.idleCount;
    this.idleStack[this.idleCount++] = c;
    this.cpuIdleSince[c] = t;
  }

  private unmarkIdle(c: number, t: number): void {
    const pos = this.idlePos[c]!;
    const last = this.idleStack[--this.idleCount]!;
    this.idleStack[pos] = last;
    this.idlePos[last] = pos;
    this.idlePos[c] = -1;
    this.busyFrom(c, t);
  }

  // ---- end of the replay --------------------------------------------------------------------

  protected override chargeUntil(c: number, t: number): void {
    this.charge(this.cpuTask[c]!, t - this.cpuFrom[c]!);
  }

  protected override isWaiting(k: number): boolean {
    const state = this.tState[k];
    return state === S_POLICY || state === S_EDF || state === S_LOCAL || state === S_USERDSQ || state === S_RING || state === S_WAKING || state === S_AGENT;
  }

  protected override describe(): { policy: string; kernelFastPath: boolean } {
    return { policy: this.module.name, kernelFastPath: this.module.urgentInKernel === true };
  }

  protected override resultTotals(): SimTotals {
    return { ...this.totals, agentCpuNs: this.agentTask >= 0 ? this.gCpu[this.workload.groups.length]! : 0 };
  }

  // ---- invariants (tests) ----------------------------------------------------------------

  protected override checkInvariants(t: number): void {
    const fail = (what: string): never => {
      throw new Error(`sim invariant violated at t=${t} ns (${this.module.name}): ${what}`);
    };
    for (let c = 0; c < this.n; c++) {
      const k = this.cpuTask[c]!;
      if (k >= 0) {
        if (this.tState[k] !== S_RUNNING) fail(`CPU ${c} runs task ${k} in state ${this.tState[k]}`);
        if (this.idlePos[c]! >= 0) fail(`CPU ${c} is running and marked idle`);
        if (this.useVictims && k !== this.agentTask && this.victims.deadline(c) !== this.tKdl[k]!) fail(`CPU ${c}'s current deadline ` +
          `${this.victims.deadline(c)} is not its job's ${this.tKdl[k]}`);
        if (this.tick > 0 && this.tKdl[k]! < t && this.cpuTimerAt[c]! > this.nextTick(Math.max(t, this.cpuFrom[c]!))) {
          fail(`CPU ${c} runs a job past its deadline ${this.tKdl[k]} with no timer at the next tick (${this.cpuTimerAt[c]})`);
        }
      } else {
        if (this.idlePos[c]! < 0) fail(`CPU ${c} has no task and is not marked idle`);
        if (this.localQueues[c]!.some((j) => this.tState[j] === S_LOCAL)) fail(`CPU ${c} idles with work in its local queue`);
        if (this.cpuTimerAt[c] !== Infinity) fail(`idle CPU ${c} has a timer armed at ${this.cpuTimerAt[c]}`);
      }
    }
    if (this.idleCount > 0) {
      if (this.edfDsq.length > 0) fail(`${this.idleCount} CPUs idle while ${this.edfDsq.length} urgent tasks wait`);
      if (this.userDsq.length > 0) fail(`${this.idleCount} CPUs idle while ${this.userDsq.length} decided tasks wait`);
      if (this.policy.queued > 0) fail(`${this.idleCount} CPUs idle while the policy holds ${this.policy.queued} tasks`);
    }
    let running = 0;
    for (let k = 0; k < this.tState.length; k++) if (this.tState[k] === S_RUNNING) running++;
    if (running !== this.n - this.idleCount) fail(`${running} tasks running on ${this.n - this.idleCount} busy CPUs`);
  }
}

/** Replays `workload` through `module` with `model`; see Simulation. */
export function simulate(workload: Workload, module: PolicyModule, model: SimModel, options: SimOptions = {}): SimResult {
  return new Simulation(workload, module, model, options).run();
}
