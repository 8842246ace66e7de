// Test helper: how long the event loop was held by this thread's own work, as opposed to
// waiting for a CPU. monitorEventLoopDelay measures wall time between timer ticks, which
// on a shared, overloaded host also counts the time the OS ran other processes (an idle
// Node process here sees 80-100 ms "delays" at a load average of 15 on 2 cores). This
// monitor ticks every `tickMs` and reads the main thread's CPU time
// (clock_gettime(CLOCK_THREAD_CPUTIME_ID), through koffi): the CPU time spent between two
// ticks is the longest the loop could have been held by our code in that gap.
import koffi from 'koffi';

const CLOCK_THREAD_CPUTIME_ID = 3;

let clockGettime: ((id: number, out: { tv_sec: number | bigint; tv_nsec: number | bigint }) => number) | undefined;

/** This thread's CPU time, ms. */
export function threadCpuMs(): number {
  if (!clockGettime) {
    const timespec = koffi.struct('scx_slo_test_timespec', { tv_sec: 'int64_t', tv_nsec: 'long' });
    clockGettime = koffi.load('libc.so.6').func('clock_gettime', 'int', ['int', koffi.out(koffi.pointer(timespec))]) as unknown as typeof clockGettime;
  }
  const ts = { tv_sec: 0, tv_nsec: 0 };
  if (clockGettime!(CLOCK_THREAD_CPUTIME_ID, ts) !== 0) throw new Error('clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed');
  return Number(ts.tv_sec) * 1000 + Number(ts.tv_nsec) / 1e6;
}

export class LoopBlockMonitor {
  private timer: NodeJS.Timeout | undefined;
  private lastCpu = 0;
  /** Largest CPU time of this thread between two ticks, ms. */
  maxBlockMs = 0;
  ticks = 0;

  constructor(private readonly tickMs = 5) {}

  start(): this {
    this.lastCpu = threadCpuMs();
    this.timer = setInterval(() => {
      const cpu = threadCpuMs();
      this.maxBlockMs = Math.max(this.maxBlockMs, cpu - this.lastCpu);
      this.lastCpu = cpu;
      this.ticks += 1;
    }, this.tickMs);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
