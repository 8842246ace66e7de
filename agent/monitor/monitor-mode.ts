// The agent's monitoring-only mode, for nodes where it cannot schedule (no sched_ext):
// it checks what the node allows, starts the run-queue latency monitor when it can, and
// never throws, so `scx-slo run` stays up, reports mode 'monitor' with the reason, and
// keeps serving /metrics and status instead of crash-looping. When the monitor cannot
// run (no BTF, missing capabilities, the kernel refused the programs) it says why and
// serves empty histograms.
import { CPU_STATS_COUNTERS, SLO_LAG_BUCKETS, type CpuStatsCounter } from '../kernel/kernel-abi.js';
import type { SchedulerSnapshot, SchedulerStatsSource } from '../kernel/scheduler-stats.js';
import { checkMonitorMode, type MonitorCheck, type MonitorCheckOptions } from './monitor-check.js';
import { RunqueueLatencyMonitor, type RunqueueLatencyMonitorOptions, type RunqueueLatencySnapshot } from './rqlat-monitor.js';

export interface MonitorModeOptions {
  monitor?: RunqueueLatencyMonitorOptions;
  check?: MonitorCheckOptions;
  /**
   * Why the agent is not scheduling, when the caller knows better than the check (e.g.
   * kernel-support.ts's problems); default: the check's `needed`.
   */
  why?: string[];
  /** Where to say what happened (one line each); default: nowhere. */
  log?: (line: string) => void;
  /** The monitor to use (tests); default: a new RunqueueLatencyMonitor(options.monitor). */
  monitorFactory?: (opts: RunqueueLatencyMonitorOptions) => Pick<RunqueueLatencyMonitor, 'start' | 'stop' | 'snapshot' | 'running'>;
}

export interface MonitorModeStatus {
  mode: 'monitor';
  /** True while run-queue latency is being measured. */
  measuring: boolean;
  /** One line for status and logs: why monitor mode, and whether it measures. */
  reason: string;
  /** Why the agent is not scheduling. */
  why: string[];
  /** Why it is not measuring either (empty while measuring). */
  problems: string[];
  /** What limits the measurements. */
  warnings: string[];
}

export class MonitorMode implements SchedulerStatsSource {
  private constructor(
    private readonly monitor: Pick<RunqueueLatencyMonitor, 'start' | 'stop' | 'snapshot' | 'running'> | undefined,
    private readonly why: string[],
    private problems: string[],
    private readonly warnings: string[],
    readonly check: MonitorCheck,
    private readonly log: (line: string) => void,
  ) {}

  /** Checks the node and starts measuring if it can. Never throws. */
  static start(opts: MonitorModeOptions = {}): MonitorMode {
    const log = opts.log ?? (() => {});
    const check = checkMonitorMode(opts.check);
    const why = opts.why && opts.why.length > 0 ? opts.why : check.needed.length > 0 ? check.needed : ['monitor mode requested'];
    const problems = [...check.problems];
    let monitor: Pick<RunqueueLatencyMonitor, 'start' | 'stop' | 'snapshot' | 'running'> | undefined;
    if (problems.length === 0) {
      try {
        monitor = (opts.monitorFactory ?? ((o) => new RunqueueLatencyMonitor(o)))(opts.monitor ?? {});
        monitor.start();
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        problems.push(`the run-queue latency programs could not be started: ${message.split('\n')[0]}`);
        if (message.includes('\n')) log(message);
        monitor = undefined;
      }
    }
    const mode = new MonitorMode(monitor, why, problems, check.warnings, check, log);
    log(mode.status().reason);
    for (const w of check.warnings) log(`monitor mode: ${w}`);
    return mode;
  }

  get measuring(): boolean {
    return this.monitor?.running ?? false;
  }

  status(): MonitorModeStatus {
    const measuring = this.measuring;
    const reason = measuring
      ? `monitor mode (not scheduling: ${this.why.join('; ')}): measuring run-queue latency per cgroup`
      : `monitor mode (not scheduling: ${this.why.join('; ')}): not measuring either: ${this.problems.join('; ') || 'stopped'}`;
    return { mode: 'monitor', measuring, reason, why: [...this.why], problems: [...this.problems], warnings: [...this.warnings] };
  }

  /** Per-cgroup run-queue latency (empty when not measuring). Never throws. */
  runqueueLatency(): RunqueueLatencySnapshot {
    if (!this.measuring) return new Map();
    try {
      return this.monitor!.snapshot();
    } catch (err) {
      const message = `reading the run-queue latency histograms failed: ${(err as Error).message}`;
      if (!this.problems.includes(message)) {
        this.problems.push(message);
        this.log(message);
      }
      return new Map();
    }
  }

  /** The scheduler snapshot of this mode: no scheduler counters, mode 'monitor'. */
  snapshot(): SchedulerSnapshot {
    return {
      mode: 'monitor',
      opsName: '',
      policy: '',
      takenAtNs: Number(process.hrtime.bigint()),
      counters: Object.fromEntries(CPU_STATS_COUNTERS.map((c) => [c, 0])) as Record<CpuStatsCounter, number>,
      lagHistogram: new Array<number>(SLO_LAG_BUCKETS).fill(0),
      cgroups: new Map(),
    };
  }

  /** Detaches the programs; idempotent. */
  stop(): void {
    try {
      this.monitor?.stop();
    } catch (err) {
      this.log(`stopping the run-queue latency monitor: ${(err as Error).message}`);
    }
  }
}
