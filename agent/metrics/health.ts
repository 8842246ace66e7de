// What /healthz and /readyz answer, kept apart from HTTP so it can be tested alone.
//
// Liveness (/healthz): the process is alive and its event loop responsive. A watchdog
// timer ticks every 100 ms and records how late each tick was; the agent is unhealthy
// while a tick within the last `windowMs` (default 10 s) ran more than `maxLagMs`
// (default 2 s) late, or when no tick has run for `maxLagMs` (the loop is starved).
// Answering at all already proves the loop runs; the watchdog also catches a loop that
// runs but is blocked for long stretches between requests.
//
// Readiness (/readyz): the scheduler is attached (mode sched_ext) or monitor mode is
// running, AND every SLO source has synced (the Kubernetes watcher has listed pods and
// applied them, the config file was loaded). Otherwise not ready, with the reasons.
import type { SloSourceStatus } from './slo-source-status.js';
import type { SchedulerMode } from '../kernel/scheduler-stats.js';

export interface HealthReport {
  ok: boolean;
  /** Why not ok (empty when ok). */
  reasons: string[];
}

export interface ReadinessInputs {
  /** The scheduler's current mode; may throw (then not ready). */
  schedulerMode(): SchedulerMode;
  /** Status of every SLO source that must have synced. */
  sources(): readonly SloSourceStatus[];
}

export function readiness(inputs: ReadinessInputs): HealthReport {
  const reasons: string[] = [];
  try {
    const mode = inputs.schedulerMode();
    if (mode !== 'sched_ext' && mode !== 'monitor') reasons.push(`scheduler not attached (mode ${mode})`);
  } catch (err) {
    reasons.push(`cannot read the scheduler state: ${(err as Error).message}`);
  }
  for (const s of inputs.sources()) {
    if (!s.synced) reasons.push(`SLO source ${s.name} has not synced yet`);
  }
  return { ok: reasons.length === 0, reasons };
}

export interface EventLoopWatchdogOptions {
  /** Tick period (default 100 ms). */
  intervalMs?: number;
  /** A tick later than this is a stall (default 2000 ms). */
  maxLagMs?: number;
  /** How long a stall keeps the agent unhealthy (default 10 s). */
  windowMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

export class EventLoopWatchdog {
  private readonly intervalMs: number;
  private readonly maxLagMs: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private lastTickAt: number;
  private lastStallAt = Number.NEGATIVE_INFINITY;
  private lastLagMs = 0;

  constructor(options: EventLoopWatchdogOptions = {}) {
    this.intervalMs = options.intervalMs ?? 100;
    this.maxLagMs = options.maxLagMs ?? 2000;
    this.windowMs = options.windowMs ?? 10_000;
    this.now = options.now ?? (() => performance.now());
    this.lastTickAt = this.now();
  }

  start(): this {
    if (this.timer) return this;
    this.lastTickAt = this.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Records one tick; called by the timer (and by tests with a fake clock). */
  tick(): void {
    const now = this.now();
    const lag = Math.max(0, now - this.lastTickAt - this.intervalMs);
    this.lastTickAt = now;
    this.lastLagMs = lag;
    if (lag > this.maxLagMs) this.lastStallAt = now;
  }

  /** How late the latest tick was, ms. */
  get lagMs(): number {
    return this.lastLagMs;
  }

  liveness(): HealthReport & { lagMs: number } {
    const now = this.now();
    const reasons: string[] = [];
    const sinceTick = now - this.lastTickAt;
    if (this.timer && sinceTick > this.intervalMs + this.maxLagMs) reasons.push(`event loop starved: no watchdog tick for ${Math.round(sinceTick)} ms`);
    if (now - this.lastStallAt <= this.windowMs) reasons.push(`event loop stalled within the last ${this.windowMs} ms (a tick ran more than ` +
      `${this.maxLagMs} ms late)`);
    return { ok: reasons.length === 0, reasons, lagMs: Math.round(this.lastLagMs * 10) / 10 };
  }
}
