// The live scheduler: loads bpf/build/scx_slo.bpf.o through libbpf, configures its
// control block, attaches it as the kernel's sched_ext scheduler, and runs the
// delegation loop (kernel -> tasks_rb -> policy -> decisions_urb -> kernel; see
// delegation-loop.ts) with a heartbeat that tells the BPF side userspace is making
// progress: it is written when a round completes, never by a timer, so a hung policy
// stops delegation within the stall bound. A policy fault clears it at once. It is also the SloStore that
// writes the kernel's slo_cfg map and the SchedulerStatsSource read by metrics and
// `scx-slo status`. Detaching (stop(), or this process dying) returns every task to the
// kernel's default scheduler.
import { BpfObject } from '../bpf/bpf-object.js';
import { u32Key, type BpfMap } from '../bpf/bpf-map.js';
import { RingReader } from '../bpf/ring-reader.js';
import { UserRingWriter } from '../bpf/user-ring-writer.js';
import { checkKernelSupport, schedExtState } from './kernel-support.js';
import { Transport } from './transport.js';
import { DelegationLoop, type PolicyFaults } from './delegation-loop.js';
import { DEFAULT_BUDGET_NS, DEFAULT_IMPORTANCE, DEFAULT_SLICE_NS, MAX_BUDGET_NS, type Decision, type SloEntry } from '../../policy/api.js';
import { clampImportance } from '../../policy/deadline.js';
import {
  CPU_STATS_COUNTERS, ClockOrigin, SLO_ABI_VERSION, SLO_CFG, SLO_CG_STATS, SLO_CPU_STATS, SLO_CTL, SLO_EXIT_INFO, SLO_LAG_BUCKETS,
  SLO_MISS_EVENT, addCpuStats, decodeExitInfo,
  decodeMissEvent, encodeSloCtl, type CpuStatsCounter, type MissEvent,
} from './kernel-abi.js';
import type { PolicyRunner } from '../policy-runner/runner.js';
import type { SloStore } from '../slo/slo-store.js';
import type { CgroupSloStats, SchedulerSnapshot, SchedulerStatsSource } from './scheduler-stats.js';
import { readCgroupStats, readCgroupStatsSliced } from './cgroup-stats-reader.js';
import { deleteSloEntry, writeSloEntry } from './slo-table-maps.js';

export const OPS_NAME = 'slo';

export interface LiveSchedulerConfig {
  /** Path of scx_slo.bpf.o. */
  objectPath: string;
  /** A pending task waits at most this long for a decision before the kernel runs it. */
  lagNs: number;
  /** Heartbeat older than this: the kernel stops delegating. */
  stallNs: number;
  /** How often the heartbeat is written (at most; only when rounds complete). */
  heartbeatMs: number;
  /** A policy call taking longer than this is a fault (worker restarted). */
  roundDeadlineMs: number;
  /** Default slice. */
  sliceNs: number;
  /** Tasks whose SLO deadline is within this of now run directly in the kernel ('auto': lagNs). */
  urgentMaxNs: number | 'auto';
  defaultBudgetNs: number;
  defaultImportance: number;
  /** Per-CPU cap on deadline-miss events per second. */
  missEventsPerSec: number;
  /** Most task records handed to the policy per round. */
  batchMax: number;
  /**
   * After a round that decided something, gather for this long before the next one
   * ('auto': a tenth of the lag bound). Delegated tasks are lax by construction (urgent
   * ones run directly in the kernel), so batching costs them little and saves the agent
   * a wake-up per task.
   */
  batchWindowNs: number | 'auto';
  /**
   * Batched wake-ups (bpf/slo_ring_wake.bpf.h): the kernel wakes the agent once this many
   * task records wait, or the oldest has waited wakeAfterNs ('auto': the batch window);
   * 0 or 1: at the first record, the ring's own wake-up. With batching on, the kernel
   * gathers the batch and the loop does not wait a batch window of its own.
   */
  wakeBatch: number;
  wakeAfterNs: number | 'auto';
  /** How the idle loop waits for records (delegation-loop.ts idleWait). */
  ringWait: 'async' | 'blocking';
}

export const DEFAULT_CONFIG: Omit<LiveSchedulerConfig, 'objectPath'> = {
  lagNs: 5_000_000,
  stallNs: 50_000_000,
  heartbeatMs: 10,
  roundDeadlineMs: 2000,
  sliceNs: DEFAULT_SLICE_NS,
  urgentMaxNs: 'auto',
  defaultBudgetNs: DEFAULT_BUDGET_NS,
  defaultImportance: DEFAULT_IMPORTANCE,
  missEventsPerSec: 200,
  batchMax: 1024,
  batchWindowNs: 'auto',
  wakeBatch: 0,
  wakeAfterNs: 'auto',
  ringWait: 'async',
};

export type { MissEvent } from './kernel-abi.js';

export class KernelSupportError extends Error {
  override name = 'KernelSupportError';
  constructor(readonly problems: string[]) {
    super(`cannot attach a sched_ext scheduler here:\n  - ${problems.join('\n  - ')}`);
  }
}

type Log = (line: string) => void;

/**
 * Refuses an object built from another version of bpf/scx_slo.h: its maps' value sizes
 * must be this agent's layouts.
 */
function checkValueSizes(objectPath: string, maps: Array<[BpfMap, number, string]>): void {
  for (const [map, size, struct] of maps) {
    if (map.valueSize !== size) {
      throw new Error(`${objectPath}: ${map.name} holds ${map.valueSize}-byte values, ` +
        `this agent's struct ${struct} is ${size} bytes (ABI version ${SLO_ABI_VERSION}): rebuild with \`make build-bpf\``);
    }
  }
}

export class LiveScheduler implements SloStore, SchedulerStatsSource {
  private readonly slos = new Map<number, SloEntry>();
  private cfgGen = 0;
  private stopped = false;
  private detached = false;
  private stopCalled = false;
  private stateWatch: NodeJS.Timeout | undefined;
  private loop: DelegationLoop | undefined;
  private lastHeartbeatMs = 0;
  /** False while the loop backs off after a policy fault: the heartbeat stays cleared. */
  private delegating = true;
  private readonly missListeners: Array<(e: MissEvent) => void> = [];
  private readonly ctlBuf = Buffer.alloc(SLO_CTL.size);
  private exitReport: string | undefined;
  /** Resolves when the kernel ejected the scheduler on its own (error, sysrq). */
  readonly ejected: Promise<string>;
  private eject!: (why: string) => void;

  private constructor(
    private readonly cfg: LiveSchedulerConfig,
    private readonly obj: BpfObject,
    private runner: PolicyRunner,
    readonly origin: bigint,
    private readonly maps: { ctl: BpfMap; cfg: BpfMap; stats: BpfMap; cgStats: BpfMap; exitInfo: BpfMap },
    private readonly tasksRing: RingReader,
    private readonly decisionsRing: UserRingWriter,
    private readonly missRing: RingReader,
    private readonly transport: Transport,
    private readonly log: Log,
  ) {
    this.ejected = new Promise((resolve) => (this.eject = resolve));
  }

  /**
   * Checks the kernel, loads and attaches the scheduler. `makeRunner` receives the
   * policy-clock origin. Throws KernelSupportError (nothing changed) when the kernel or
   * the process cannot run a sched_ext scheduler, BpfLoadError with the verifier's log
   * when the kernel refuses the object.
   */
  static async start(cfg: LiveSchedulerConfig, makeRunner: (originNs: bigint) => Promise<PolicyRunner>, log: Log): Promise<LiveScheduler> {
    const support = checkKernelSupport();
    // SCX_SLO_FORCE_ATTACH=1 skips the pre-check so that tests can reach the kernel's own
    // refusals (a verifier rejection, a failed attach); the kernel still refuses them.
    if (support.problems.length > 0 && process.env['SCX_SLO_FORCE_ATTACH'] !== '1') throw new KernelSupportError(support.problems);
    const origin = process.hrtime.bigint();
    const runner = await makeRunner(origin);
    const obj = BpfObject.open(cfg.objectPath);
    try {
      obj.load();
      const maps = {
        ctl: obj.map('slo_ctl', 4),
        cfg: obj.map('slo_cfg', 8),
        stats: obj.map('slo_stats', 4, true),
        cgStats: obj.map('slo_cg_stats', 8),
        exitInfo: obj.map('exit_info', 4),
      };
      checkValueSizes(cfg.objectPath, [
        [maps.ctl, SLO_CTL.size, 'slo_ctl'], [maps.cfg, SLO_CFG.size, 'slo_cfg'], [maps.stats, SLO_CPU_STATS.size, 'slo_cpu_stats'],
        [maps.cgStats, SLO_CG_STATS.size, 'slo_cg_stats'], [maps.exitInfo, SLO_EXIT_INFO.size, 'slo_exit_info'],
      ]);
      const tasksRing = new RingReader('tasks_rb', obj.mapFd('tasks_rb'), obj.mapMaxEntries('tasks_rb'), cfg.wakeBatch > 1);
      const decisionsRing = new UserRingWriter('decisions_urb', obj.mapFd('decisions_urb'), obj.mapMaxEntries('decisions_urb'));
      const missRing = new RingReader('miss_rb', obj.mapFd('miss_rb'), obj.mapMaxEntries('miss_rb'));
      const transport = new Transport(tasksRing, decisionsRing, new ClockOrigin(origin));
      const sched = new LiveScheduler(cfg, obj, runner, origin, maps, tasksRing, decisionsRing, missRing, transport, log);
      sched.writeCtl();
      obj.attachStructOps('slo_ops');
      sched.startTimers();
      sched.startLoop();
      log(`attached sched_ext scheduler "${OPS_NAME}" (policy ${runner.spec}, lag ${cfg.lagNs / 1e6} ms, urgent below ${sched.urgentMaxNs() / 1e6} ms)`);
      return sched;
    } catch (err) {
      obj.close();
      await runner.close();
      throw err;
    }
  }

  private urgentMaxNs(): number {
    if (this.cfg.urgentMaxNs !== 'auto') return this.cfg.urgentMaxNs;
    return this.runner.urgentInKernel ? this.cfg.lagNs : 0;
  }

  /** Writes the control block; `alive` false clears the heartbeat (stop delegating). */
  private writeCtl(alive = this.delegating): void {
    encodeSloCtl(this.ctlBuf, {
      heartbeatNs: alive ? process.hrtime.bigint() : 0n,
      lagNs: this.cfg.lagNs,
      stallNs: this.cfg.stallNs,
      sliceNs: this.cfg.sliceNs,
      urgentMaxNs: this.urgentMaxNs(),
      defaultBudgetNs: this.cfg.defaultBudgetNs,
      defaultImportance: this.cfg.defaultImportance,
      agentTgid: process.pid,
      cfgGen: this.cfgGen,
      missEventsPerSec: this.cfg.missEventsPerSec,
      wakeBatch: this.cfg.wakeBatch,
      wakeAfterNs: this.wakeAfterNs(),
    });
    this.maps.ctl.update(u32Key(0), this.ctlBuf);
  }

  private startTimers(): void {
    this.stateWatch = setInterval(() => this.checkStillAttached(), 500);
  }

  /** The batch window: how long delegated tasks may gather before a round. */
  private batchWindowNs(): number {
    return this.cfg.batchWindowNs === 'auto' ? this.cfg.lagNs / 10 : this.cfg.batchWindowNs;
  }

  /** How long the oldest record waits for a batched wake-up. */
  private wakeAfterNs(): number {
    return this.cfg.wakeAfterNs === 'auto' ? this.batchWindowNs() : this.cfg.wakeAfterNs;
  }

  private startLoop(): void {
    // With batched wake-ups the kernel gathers the batch: no window of the loop's own.
    const windowNs = this.cfg.wakeBatch > 1 ? 0 : this.batchWindowNs();
    this.loop = new DelegationLoop(this.transport, this.tasksRing, () => this.runner, this.origin, {
      batchMax: this.cfg.batchMax,
      batchWindowNs: windowNs,
      idleWait: this.cfg.ringWait,
      kernelGathers: this.cfg.wakeBatch > 1,
      idleWaitMs: this.cfg.heartbeatMs,
      roundDeadlineMs: this.cfg.roundDeadlineMs,
      backoffMinMs: 100,
      backoffMaxMs: 5000,
    }, {
      beforeRound: () => this.drainMisses(),
      onProgress: () => {
        // The heartbeat proves a completed round; written at most every heartbeatMs.
        const now = Date.now();
        if (this.stopped || now - this.lastHeartbeatMs < this.cfg.heartbeatMs) return;
        this.lastHeartbeatMs = now;
        this.writeCtl();
      },
      onDegraded: (degraded) => {
        // Stop delegating at once (an SLO or policy change meanwhile keeps it cleared);
        // after the back-off the next completed round writes the heartbeat again.
        this.delegating = !degraded;
        if (degraded && !this.stopped) this.writeCtl();
        this.lastHeartbeatMs = 0;
      },
      log: this.log,
    });
    this.loop.start();
  }

  /** The policy's faults (errors, timeouts, restarts; degraded while failing). */
  get policyFaults(): PolicyFaults {
    return { ...(this.loop?.faults ?? { errors: 0, timeouts: 0, restarts: 0, restartFailures: 0, degraded: false, lastFault: undefined }) };
  }

  /** Rounds and records of the delegation loop. */
  get loopCounters(): DelegationLoop['counters'] {
    return { ...(this.loop?.counters ?? { rounds: 0, busyRounds: 0, records: 0 }) };
  }

  private checkStillAttached(): void {
    if (this.stopped) return;
    const { state, ops } = schedExtState();
    if (state === 'enabled' && ops === OPS_NAME) return;
    const why = this.readExitInfo() ?? `sched_ext state is ${state ?? 'unknown'}`;
    this.exitReport = why;
    this.eject(why);
  }

  /** The kernel's reason for the scheduler's exit, if it exited. */
  readExitInfo(): string | undefined {
    const buf = this.maps.exitInfo.lookup(u32Key(0));
    if (!buf) return undefined;
    const { kind, reason, msg } = decodeExitInfo(buf);
    if (kind === 0) return undefined;
    return `exit kind ${kind}: ${reason}${msg ? ` (${msg})` : ''}`;
  }

  private drainMisses(): void {
    if (this.missListeners.length === 0) {
      this.missRing.drain(() => {});
      return;
    }
    this.missRing.drain((view, offset, length) => {
      if (length !== SLO_MISS_EVENT.size) return;
      const event = decodeMissEvent(view, offset);
      for (const l of this.missListeners) l(event);
    });
  }

  onMiss(listener: (e: MissEvent) => void): void {
    this.missListeners.push(listener);
  }

  get policySpec(): string {
    return this.runner.spec;
  }

  get transportCounters(): Transport['counters'] {
    return this.transport.counters;
  }

  /** Switches the policy without detaching: tasks queued in the old one are decided by it. */
  async setPolicy(spec: string): Promise<void> {
    const leftover: Decision[] = await this.runner.swap(spec, Number(process.hrtime.bigint() - this.origin));
    if (leftover.length > 0) this.transport.writeDecisions(leftover);
    this.writeCtl();
    this.log(`policy is now ${spec} (urgent below ${this.urgentMaxNs() / 1e6} ms)`);
  }

  // SloStore: the kernel's slo_cfg map plus the policy's table.

  get(cgroupId: number): SloEntry | undefined {
    return this.slos.get(cgroupId);
  }

  set(cgroupId: number, slo: SloEntry): void {
    if (!Number.isInteger(cgroupId) || cgroupId <= 0) throw new RangeError(`cgroup id: expected a positive integer, got ${cgroupId}`);
    if (!(slo.budgetNs > 0 && slo.budgetNs <= MAX_BUDGET_NS)) throw new RangeError(`budgetNs: expected 1..${MAX_BUDGET_NS}, got ${slo.budgetNs}`);
    const entry = { budgetNs: Math.round(slo.budgetNs), importance: clampImportance(slo.importance) };
    writeSloEntry(this.maps, cgroupId, entry);
    this.slos.set(cgroupId, entry);
    this.runner.setSlo(cgroupId, entry);
    this.bumpCfgGen();
  }

  delete(cgroupId: number): void {
    deleteSloEntry(this.maps, cgroupId);
    this.slos.delete(cgroupId);
    this.runner.setSlo(cgroupId, undefined);
    this.bumpCfgGen();
  }

  entries(): Map<number, SloEntry> {
    return new Map(this.slos);
  }

  private bumpCfgGen(): void {
    this.cfgGen = (this.cfgGen + 1) >>> 0;
    if (!this.stopped) this.writeCtl();
  }

  // SchedulerStatsSource.

  snapshot(): SchedulerSnapshot {
    return this.snapshotWith(readCgroupStats(this.maps.cgStats));
  }

  async snapshotAsync(): Promise<SchedulerSnapshot> {
    const cgroups = await readCgroupStatsSliced(this.maps.cgStats);
    return this.snapshotWith(cgroups);
  }

  private snapshotWith(cgroups: Map<number, CgroupSloStats>): SchedulerSnapshot {
    const counters = Object.fromEntries(CPU_STATS_COUNTERS.map((c) => [c, 0])) as Record<CpuStatsCounter, number>;
    const lagHistogram = new Array<number>(SLO_LAG_BUCKETS).fill(0);
    const buf = this.maps.stats.lookup(u32Key(0));
    if (buf) {
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      for (let cpu = 0; cpu < this.maps.stats.nrCpus; cpu++) addCpuStats(view, cpu * this.maps.stats.slotSize, counters, lagHistogram);
    }
    const attached = !this.stopped && this.exitReport === undefined;
    return {
      mode: attached ? 'sched_ext' : 'detached',
      opsName: OPS_NAME,
      policy: this.runner.spec,
      takenAtNs: Number(process.hrtime.bigint()),
      counters,
      lagHistogram,
      cgroups,
      policyFaults: this.policyFaults,
    };
  }

  /** Detaches the scheduler (tasks return to the default scheduler) and frees everything. */
  /**
   * Detaches the scheduler at once (every task is back with the kernel's default
   * scheduler), whatever the policy is doing; stop() then frees the rest.
   */
  detachNow(): void {
    if (this.detached) return;
    this.detached = true;
    this.stopped = true;
    clearInterval(this.stateWatch);
    this.obj.detach();
  }

  async stop(): Promise<string | undefined> {
    if (this.stopCalled) return this.exitReport;
    this.stopCalled = true;
    this.detachNow();
    // The loop ends at once (a hung worker call is abandoned).
    await this.loop?.stop();
    const report = this.exitReport ?? this.readExitInfo();
    this.tasksRing.close();
    this.decisionsRing.close();
    this.missRing.close();
    this.obj.close();
    await this.runner.close();
    this.log(`detached (${report ?? 'no exit info'})`);
    return report;
  }
}
