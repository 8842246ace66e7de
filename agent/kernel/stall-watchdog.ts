// Keeps SIGTERM and SIGINT effective while the agent's JavaScript thread is stuck (an
// inline policy in an endless loop, say): Node handles signals on that thread, so a
// stuck thread would never see them. A small worker thread watches a tick the main
// thread writes every tickMs; when the tick is older than stallMs it resets SIGTERM and
// SIGINT to the kernel's default action (terminate), so a signal ends the process at
// once and its struct_ops link closes with it (every task returns to the default
// scheduler); when the main thread ticks again it restores Node's handlers. A signal that
// arrives within stallMs of the stall starting is already Node's and waits for the thread
// (SIGKILL still works). Once the agent is stopping, the thread also ends the process with
// _exit(1) if it has not exited by a deadline (exitDeadline()), busy thread or not. Meanwhile the kernel side needs nothing from us: no round
// completes, so no heartbeat is written and the in-kernel EDF takes over within the
// stall bound.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

/** Slots of the shared Int32Array. */
export const WATCHDOG_SLOTS = { tick: 0, stop: 1, armed: 2, stalls: 3, exitAt: 4 } as const;

export interface StallWatchdogOptions {
  /** How often the main thread ticks. */
  tickMs: number;
  /** A tick older than this is a stall. */
  stallMs: number;
}

export class StallWatchdog {
  private readonly shared = new Int32Array(new SharedArrayBuffer(20));
  private readonly timer: NodeJS.Timeout;
  private readonly worker: Worker;
  /** Resolves when the watchdog thread runs (it cannot help before). */
  readonly online: Promise<void>;

  constructor(opts: StallWatchdogOptions = { tickMs: 200, stallMs: 600 }) {
    if (!(opts.tickMs > 0 && opts.stallMs > opts.tickMs)) throw new RangeError(`stallMs (${opts.stallMs}) must exceed tickMs (${opts.tickMs}) > 0`);
    this.tick();
    this.timer = setInterval(() => this.tick(), opts.tickMs);
    this.timer.unref();
    this.worker = new Worker(fileURLToPath(new URL('./stall-watchdog-thread.js', import.meta.url)), {
      workerData: { shared: this.shared, pollMs: opts.tickMs, stallMs: opts.stallMs },
      execArgv: [], // not the parent's (--input-type, --eval would make the worker fail)
    });
    this.online = new Promise((resolve) => this.worker.once('message', () => resolve()));
    this.worker.unref();
    this.worker.on('error', () => {}); // best effort: without it signals are Node's as always
  }

  private tick(): void {
    Atomics.store(this.shared, WATCHDOG_SLOTS.tick, Date.now() & 0x7fffffff);
  }

  /** Stalls seen (the main thread did not tick for stallMs). */
  get stalls(): number {
    return Atomics.load(this.shared, WATCHDOG_SLOTS.stalls);
  }

  /** True while the signals are reset to their default action. */
  get armed(): boolean {
    return Atomics.load(this.shared, WATCHDOG_SLOTS.armed) === 1;
  }

  /**
   * The agent is stopping: should it not have exited `withinMs` from now (its thread
   * stuck, or busy), the watchdog thread ends the process with _exit(1).
   */
  exitDeadline(withinMs: number): void {
    Atomics.store(this.shared, WATCHDOG_SLOTS.exitAt, (Date.now() + withinMs) & 0x7fffffff);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    Atomics.store(this.shared, WATCHDOG_SLOTS.stop, 1);
    Atomics.notify(this.shared, WATCHDOG_SLOTS.stop);
    // The thread sees the flag within a poll and restores the signal actions; terminate()
    // then settles (the worker is unref'd, so an 'exit' event alone could come too late:
    // the process would end with this promise pending and the caller's exit code unset).
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 200);
      this.worker.once('exit', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    await this.worker.terminate();
  }
}
