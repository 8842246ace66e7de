// The delegation loop: task records out of the kernel ring, through the policy, decisions
// into the user ring, round after round until stopped. The live scheduler runs it on
// scx_slo's rings, `scx-slo shadow` and `make bench-delegation` on the shadow programs'
// rings (bpf/shadow.bpf.c): one loop, two kernels sides.
//
// Progress, not time, proves the agent alive: onProgress() runs after every completed
// round (the live scheduler writes its heartbeat there), and an idle loop completes a
// round at least every idleWaitMs. A policy call has a deadline (roundDeadlineMs):
//   - a worker that does not answer in time is a fault: its workers are terminated and
//     started afresh;
//   - an inline call cannot be interrupted (it runs on this thread): while it runs no
//     round completes, so the kernel's stall bound takes over; when it returns late it
//     is counted as a fault too;
//   - a policy that throws (or a worker that crashes) is a fault: counted, logged, the
//     policy restarted.
// After a fault the loop stops delegating for a back-off (onDegraded(true): the live
// scheduler clears its heartbeat so the kernel's EDF takes everything at once), doubling
// from backoffMinMs up to backoffMaxMs while faults repeat, then tries again.
import type { RingReader } from '../bpf/ring-reader.js';
import type { PolicyRunner } from '../policy-runner/runner.js';
import { InlineRunner } from '../policy-runner/runner.js';
import type { Transport } from './transport.js';

export interface DelegationLoopOptions {
  /** Most task records handed to the policy per round. */
  batchMax: number;
  /** After a round that decided something, gather for this long before the next one (ns, 0 = none). */
  batchWindowNs: number;
  /** Longest idle wait: a round completes at least this often. */
  idleWaitMs: number;
  /** A policy call taking longer than this is a fault. */
  roundDeadlineMs: number;
  /** Back-off after a fault, doubled per consecutive fault up to the maximum. */
  backoffMinMs: number;
  backoffMaxMs: number;
  /**
   * How an idle loop waits for records: 'async' hands the epoll wait to libuv's thread
   * pool (the event loop stays free; a thread hop per wake-up); 'blocking' waits on this
   * thread for at most blockingWaitMs at a time, then lets the event loop run (no hop;
   * timers, HTTP and signals wait up to blockingWaitMs). Default 'async'.
   */
  idleWait?: 'async' | 'blocking';
  blockingWaitMs?: number;
  /**
   * The kernel gathers batches (batched wake-ups, bpf/slo_ring_wake.bpf.h): after any round
   * that did not fill batchMax the loop waits for the kernel's next wake-up, rather than
   * reading the ring again at once or after a batch window. The ring's reader must wait
   * edge-triggered, or records that came without a wake-up would end the wait at once.
   */
  kernelGathers?: boolean;
}

export interface DelegationLoopHooks {
  /** Runs after every completed round: the loop is making progress. */
  onProgress(): void;
  /** Runs before every round (the live scheduler drains its miss events here). */
  beforeRound?(): void;
  /** A fault made the loop stop delegating (true); it is about to try again (false). */
  onDegraded?(degraded: boolean): void;
  log(line: string): void;
}

/** What the loop has done, for status, metrics and benchmarks. */
export interface DelegationLoopCounters {
  /** Completed rounds, idle ones included. */
  rounds: number;
  /** Rounds that handed records to the policy. */
  busyRounds: number;
  /** Task records handed to the policy. */
  records: number;
}

/** The policy's faults, for `scx-slo status` and /metrics. */
export interface PolicyFaults {
  /** Policy calls that threw, or whose worker crashed. */
  errors: number;
  /** Policy calls that missed the round deadline. */
  timeouts: number;
  /** Policy restarts after a fault. */
  restarts: number;
  /** Restarts that failed (the policy could not be started again). */
  restartFailures: number;
  /** True from a fault until a policy call succeeds again. */
  degraded: boolean;
  /** The latest fault, one line. */
  lastFault: string | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects when a call ran past its deadline; see DelegationLoop.watchDeadline. */
class RoundTimeout extends Error {
  override name = 'RoundTimeout';
}

export class DelegationLoop {
  readonly counters: DelegationLoopCounters = { rounds: 0, busyRounds: 0, records: 0 };
  readonly faults: PolicyFaults = { errors: 0, timeouts: 0, restarts: 0, restartFailures: 0, degraded: false, lastFault: undefined };
  private stopping = false;
  private done: Promise<void> = Promise.resolve();
  private wakeStop: () => void = () => {};
  private readonly stopSignal: Promise<'stop'>;
  private consecutiveFaults = 0;
  /** The pending worker call: when it started, and how to abandon it. */
  private pending: { startedMs: number; abandon: (err: Error) => void } | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private watchEveryMs = 100;
  private lastWatchMs = 0;

  constructor(
    private readonly transport: Transport,
    private readonly tasksRing: RingReader,
    private readonly runner: () => PolicyRunner,
    private readonly originNs: bigint,
    private readonly opts: DelegationLoopOptions,
    private readonly hooks: DelegationLoopHooks,
  ) {
    this.stopSignal = new Promise((resolve) => (this.wakeStop = () => resolve('stop')));
  }

  start(): void {
    // One timer for the loop's life checks the pending call's deadline, rather than a
    // timer armed and cleared per round.
    const every = Math.max(5, Math.min(100, this.opts.roundDeadlineMs / 4));
    this.watchEveryMs = every;
    this.lastWatchMs = Date.now();
    this.deadlineTimer = setInterval(() => this.watchDeadline(), every);
    this.deadlineTimer.unref();
    this.done = this.run();
  }

  /** Ends the loop; resolves at once even when a worker call hangs (it is abandoned). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeStop();
    clearInterval(this.deadlineTimer);
    await this.done;
  }

  private watchDeadline(): void {
    const now = Date.now();
    const gap = now - this.lastWatchMs;
    this.lastWatchMs = now;
    const p = this.pending;
    // A gap far longer than the period means this whole process was frozen (SIGSTOP, a
    // paused VM): the worker did not run either, so that time is not the policy's.
    if (p && gap > 4 * this.watchEveryMs) p.startedMs += gap - this.watchEveryMs;
    if (p && now - p.startedMs > this.opts.roundDeadlineMs) {
      this.pending = undefined;
      p.abandon(new RoundTimeout(`policy call took longer than the round deadline (${this.opts.roundDeadlineMs} ms)`));
    }
  }

  /** Awaits a worker call with the round deadline and the stop signal. */
  private async bounded<T>(call: Promise<T>): Promise<T | 'stop'> {
    let abandon!: (err: Error) => void;
    const abandoned = new Promise<never>((_, reject) => (abandon = reject));
    this.pending = { startedMs: Date.now(), abandon };
    try {
      return await Promise.race([call, abandoned, this.stopSignal]);
    } finally {
      this.pending = undefined;
      call.catch(() => {}); // an abandoned call's late rejection is not an unhandled one
    }
  }

  private async run(): Promise<void> {
    const windowNs = this.opts.batchWindowNs;
    while (!this.stopping) {
      this.hooks.beforeRound?.();
      const started = process.hrtime.bigint();
      let count = 0;
      try {
        count = await this.round(started);
      } catch (err) {
        if (this.stopping) break;
        await this.fault(err as Error);
        continue;
      }
      if (this.stopping) break;
      this.counters.rounds++;
      if (count > 0) {
        this.counters.busyRounds++;
        this.counters.records += count;
        this.consecutiveFaults = 0;
        if (this.faults.degraded) {
          this.faults.degraded = false;
          this.hooks.log('policy: decisions flow again');
        }
      }
      this.hooks.onProgress();
      if (count === 0 || (this.opts.kernelGathers && count < this.opts.batchMax)) {
        // Idle (or the kernel gathers the next batch): its wake-up ends the wait; a round
        // completes at least every idleWaitMs.
        if (this.opts.idleWait === 'blocking') {
          this.tasksRing.waitForDataBlocking(Math.min(this.opts.idleWaitMs, this.opts.blockingWaitMs ?? 2));
          await new Promise<void>((resolve) => setImmediate(resolve));
        } else {
          await Promise.race([this.tasksRing.waitForData(this.opts.idleWaitMs), this.stopSignal]);
        }
      } else if (count < this.opts.batchMax && windowNs > 0) {
        const restMs = (windowNs - Number(process.hrtime.bigint() - started)) / 1e6;
        if (restMs > 0) await Promise.race([sleep(restMs), this.stopSignal]);
      }
    }
  }

  /** One round: returns how many records went to the policy. Throws on a policy fault. */
  private async round(started: bigint): Promise<number> {
    const runner = this.runner();
    const nowNs = Number(started - this.originNs);
    if (runner instanceof InlineRunner) {
      const { records, exitedPids } = this.transport.readTasks(this.opts.batchMax);
      if (records.length === 0 && exitedPids.length === 0) return 0;
      const t0 = Date.now();
      const decisions = await runner.decide(records, exitedPids, nowNs);
      this.transport.writeDecisions(decisions);
      const took = Date.now() - t0;
      if (took > this.opts.roundDeadlineMs) {
        throw new RoundTimeout(`inline policy call took ${took} ms, past the round deadline (${this.opts.roundDeadlineMs} ms)`);
      }
      return records.length;
    }
    const { bytes, count, exitedPids } = this.transport.readTaskBytes(this.opts.batchMax);
    if (count === 0 && exitedPids.length === 0) return 0;
    const out = await this.bounded(runner.decideBytes(bytes, count, exitedPids, nowNs));
    if (out === 'stop') return 0;
    this.transport.writeDecisionBytes(out.bytes, out.count);
    return count;
  }

  /** Counts and logs a fault, stops delegating for a back-off, restarts the policy. */
  private async fault(err: Error): Promise<void> {
    const timeout = err instanceof RoundTimeout;
    if (timeout) this.faults.timeouts++;
    else this.faults.errors++;
    this.faults.degraded = true;
    this.faults.lastFault = `${timeout ? 'timeout' : 'error'}: ${err.message.split('\n')[0]}`;
    this.consecutiveFaults++;
    const n = this.faults.errors + this.faults.timeouts;
    // The first faults in full, then one line in a hundred: a policy failing every call
    // must not flood the log.
    if (n <= 3 || n % 100 === 0) this.hooks.log(`policy fault #${n} (${this.faults.lastFault}); the in-kernel EDF schedules meanwhile`);
    this.hooks.onDegraded?.(true);
    const backoff = Math.min(this.opts.backoffMaxMs, this.opts.backoffMinMs * 2 ** Math.min(this.consecutiveFaults - 1, 20));
    try {
      const restarted = this.runner().restart().then(() => 'ok' as const);
      restarted.catch(() => {});
      const r = await Promise.race([restarted, this.stopSignal]);
      if (r === 'ok') this.faults.restarts++;
    } catch (restartErr) {
      this.faults.restartFailures++;
      if (this.faults.restartFailures <= 3) this.hooks.log(`policy restart failed: ${(restartErr as Error).message.split('\n')[0]}`);
    }
    // Records that came meanwhile are of tasks the kernel is running by itself already.
    const until = Date.now() + backoff;
    while (!this.stopping && Date.now() < until) {
      this.transport.discardTasks();
      await Promise.race([sleep(Math.min(50, until - Date.now())), this.stopSignal]);
    }
    if (!this.stopping) this.hooks.onDegraded?.(false);
  }
}
