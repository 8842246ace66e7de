// Parsing and validation of `scx-slo run`'s options into a typed RunOptions. Every bad
// value is reported with the option's name and the value given.
import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, type LiveSchedulerConfig } from '../agent/kernel/live-scheduler.js';
import { DEFAULT_CONTROL_SOCKET } from '../agent/serving/control-socket.js';
import { UsageError } from './command.js';
import { DEFAULT_POLICY } from '../policy/registry.js';
import { MAX_BUDGET_NS } from '../policy/api.js';
import { DEFAULT_OVERLOAD_RULE, type OverloadRule } from '../agent/overload/overload-state.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../agent/log/logger.js';

/** Where the compiled scheduler lives relative to this file (dist/cli -> bpf/build). */
export const DEFAULT_BPF_OBJECT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bpf', 'build', 'scx_slo.bpf.o');

export interface RunOptions {
  policy: string;
  policyOptions: Record<string, string>;
  workers: number;
  config: string | undefined;
  /** The cluster admin's SLO grants file (absent: DEFAULT_SLO_GRANTS). */
  sloGrants: string | undefined;
  kubernetes: boolean;
  nodeName: string | undefined;
  cgroupRoot: string;
  metricsPort: number;
  metricsHost: string;
  /** The scheduler's settings (see LiveSchedulerConfig). */
  scheduler: LiveSchedulerConfig;
  controlSocket: string;
  fallbackMonitor: boolean;
  /** When a workload counts as overloaded (/overload, scx_slo_pod_overloaded). */
  overload: OverloadRule;
  /** Least severe log messages written (-v = debug, which also shows libbpf's debug output). */
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Deprecated options that were used, one line each for the caller to print. */
  warnings: string[];
}

export const RUN_USAGE = `usage: scx-slo run [options]

Attaches the scx-slo sched_ext scheduler and runs the policy agent until SIGINT/SIGTERM,
then detaches (the kernel's default scheduler takes over again). Needs Linux >= 6.12
with sched_ext and BTF, and root (CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON).

Policy:
  --policy NAME|FILE        edf (default), fair, fifo, or a path to a policy module
  --policy-opt KEY=VALUE    option passed to the policy (repeatable), e.g. slice-us=3000
  --workers N               policy worker threads (piscina); 0 (the default) runs it on
                            the agent's own thread, which costs a third to a half of the
                            CPU (README, "How it schedules")
SLO sources:
  --config FILE             YAML mapping cgroup paths to budget and importance (hosts
                            without Kubernetes); SIGHUP reloads it
  --kubernetes              watch this node's pods (NODE_NAME, or --node-name) for the
                            scx-slo/budget-ms and scx-slo/importance annotations and
                            SLOPolicy resources
  --node-name NAME          node to watch (default: $NODE_NAME)
  --slo-grants FILE         YAML: the tightest budget and highest importance each
                            namespace's pods may claim (default for every namespace:
                            budget >= 100 ms, importance <= 50); pods asking for more
                            are clamped, counted and get an Event
  --cgroup-root DIR         cgroup v2 mount (default /sys/fs/cgroup)
  --default-budget-ms MS    budget of workloads with no SLO (default 100)
  --default-importance N    importance of workloads with no SLO (default 50)
Delegation and fallback:
  --lag-ms MS               a task waits at most this long for the policy before the
                            in-kernel EDF runs it (default 5; use more under emulation)
  --stall-ms MS             no heartbeat for this long: stop delegating (default 50)
  --heartbeat-ms MS         heartbeat period (default 10); written only when a decision
                            round completes, so a hung policy stops delegation
  --round-deadline-ms MS    a policy call taking longer is a fault: the policy (its
                            worker) is restarted and the kernel schedules meanwhile
                            (default 2000)
  --slice-us US             default time slice (default 5000)
  --urgent-below-ms MS      "urgent" tasks, whose deadline is closer than this, run at
                            once in the kernel's EDF and may preempt (default: the lag
                            bound for SLO-aware policies, 0 else); --direct-below-ms is
                            its deprecated old name
  --miss-events N           per-CPU cap on deadline-miss events per second (default 200)
  --batch-window-us US      after deciding, gather runnable tasks this long before the
                            next round (default: a tenth of the lag bound; 0 = none)
  --wake-batch N            batched wake-ups: the kernel wakes the agent once N tasks
                            wait for it, or the oldest has waited --wake-after-us
                            (default 0: at the first task); replaces the batch window
  --wake-after-us US        the oldest waiting task's bound with --wake-batch (default:
                            the batch window)
  --ring-wait MODE          async (default: the wait for tasks runs on libuv's thread
                            pool) or blocking (on the agent's main thread, at most 2 ms
                            at a time: no thread hop per round)
Serving:
  --metrics-port N          /metrics, /healthz, /readyz, /overload (default 8080; 0 = off)
  --metrics-host ADDR       address to listen on (default 0.0.0.0)
  --overload-window-ms MS   a workload is overloaded for this long after a deadline miss
                            or a run that started with low slack (default 50)
  --overload-slack-ms MS    a run starting with less slack than this counts as low slack
                            (default 0: only late runs; more = an earlier signal)
  --control-socket PATH     for \`scx-slo status\` and \`scx-slo policy set\`
                            (default ${DEFAULT_CONTROL_SOCKET})
  --fallback-monitor        on a kernel without sched_ext, stay up in monitoring-only
                            mode (run-queue latency per cgroup) instead of exiting
  --bpf-object PATH         compiled scheduler (default bpf/build/scx_slo.bpf.o)
Logging (stderr):
  --log-level LEVEL         error, warn, info (default) or debug
  -v, --verbose             same as --log-level debug; also shows libbpf's debug output
  --log-format FORMAT       text (default: "<time> scx-slo: <message>") or json (one
                            {"time","level","msg"} object per line)
`;

function num(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < min || v > max) {
    throw new UsageError(`--${name}: expected a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return v;
}

/** --ring-wait's modes (delegation-loop.ts idleWait). */
const RING_WAITS = ['async', 'blocking'] as const;

function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return raw as T;
}

/** An integer flag: a fraction is refused, not truncated (a port, a count, an importance). */
function int(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!/^\s*[+]?\d+\s*$/.test(raw) || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new UsageError(`--${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return v;
}

export function parseRunOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): RunOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        policy: { type: 'string' },
        'policy-opt': { type: 'string', multiple: true },
        workers: { type: 'string' },
        config: { type: 'string' },
        'slo-grants': { type: 'string' },
        kubernetes: { type: 'boolean' },
        'node-name': { type: 'string' },
        'cgroup-root': { type: 'string' },
        'default-budget-ms': { type: 'string' },
        'default-importance': { type: 'string' },
        'lag-ms': { type: 'string' },
        'stall-ms': { type: 'string' },
        'heartbeat-ms': { type: 'string' },
        'round-deadline-ms': { type: 'string' },
        'slice-us': { type: 'string' },
        'urgent-below-ms': { type: 'string' },
        'direct-below-ms': { type: 'string' },
        'miss-events': { type: 'string' },
        'batch-window-us': { type: 'string' },
        'wake-batch': { type: 'string' },
        'wake-after-us': { type: 'string' },
        'ring-wait': { type: 'string' },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string' },
        'overload-window-ms': { type: 'string' },
        'overload-slack-ms': { type: 'string' },
        'control-socket': { type: 'string' },
        'fallback-monitor': { type: 'boolean' },
        'bpf-object': { type: 'string' },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        verbose: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const policyOptions: Record<string, string> = {};
  for (const kv of v['policy-opt'] ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--policy-opt: expected KEY=VALUE, got ${JSON.stringify(kv)}`);
    policyOptions[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const warnings: string[] = [];
  let urgentBelow = v['urgent-below-ms'];
  let urgentFlag = 'urgent-below-ms';
  if (v['direct-below-ms'] !== undefined) {
    if (urgentBelow !== undefined) throw new UsageError('--direct-below-ms is the old name of --urgent-below-ms: give only one');
    warnings.push('--direct-below-ms is deprecated, use --urgent-below-ms (same meaning)');
    urgentBelow = v['direct-below-ms'];
    urgentFlag = 'direct-below-ms';
  }
  const d = DEFAULT_CONFIG;
  const lagNs = num('lag-ms', v['lag-ms'], d.lagNs / 1e6, 0.05, 10_000) * 1e6;
  const stallNs = num('stall-ms', v['stall-ms'], d.stallNs / 1e6, 1, 60_000) * 1e6;
  const heartbeatMs = num('heartbeat-ms', v['heartbeat-ms'], d.heartbeatMs, 1, 10_000);
  if (heartbeatMs * 1e6 >= stallNs) {
    throw new UsageError(`--heartbeat-ms ${heartbeatMs} must be shorter than --stall-ms ${stallNs / 1e6}, or the kernel would think the agent stalled`);
  }
  const kubernetes = v.kubernetes === true;
  const nodeName = v['node-name'] ?? env['NODE_NAME'];
  if (kubernetes && !nodeName) throw new UsageError('--kubernetes needs the node name: set NODE_NAME or pass --node-name');
  const logLevel = oneOf('log-level', v['log-level'], LOG_LEVELS, v.verbose === true ? 'debug' : 'info');
  if (v.verbose === true && v['log-level'] !== undefined && logLevel !== 'debug') {
    throw new UsageError(`-v means --log-level debug, but --log-level ${JSON.stringify(v['log-level'])} was given too`);
  }
  const logFormat = oneOf('log-format', v['log-format'], LOG_FORMATS, 'text');
  return {
    policy: v.policy ?? DEFAULT_POLICY,
    policyOptions,
    workers: int('workers', v.workers, 0, 0, 64),
    config: v.config,
    sloGrants: v['slo-grants'],
    kubernetes,
    nodeName,
    cgroupRoot: v['cgroup-root'] ?? '/sys/fs/cgroup',
    metricsPort: int('metrics-port', v['metrics-port'], 8080, 0, 65535),
    metricsHost: v['metrics-host'] ?? '0.0.0.0',
    overload: {
      windowMs: num('overload-window-ms', v['overload-window-ms'], DEFAULT_OVERLOAD_RULE.windowMs, 1, 60_000),
      slackThresholdMs: num('overload-slack-ms', v['overload-slack-ms'], DEFAULT_OVERLOAD_RULE.slackThresholdMs, 0, 10_000),
    },
    scheduler: {
      objectPath: v['bpf-object'] ?? DEFAULT_BPF_OBJECT,
      lagNs: Math.round(lagNs),
      stallNs: Math.round(stallNs),
      heartbeatMs,
      roundDeadlineMs: num('round-deadline-ms', v['round-deadline-ms'], d.roundDeadlineMs, 1, 600_000),
      sliceNs: Math.round(num('slice-us', v['slice-us'], d.sliceNs / 1e3, 50, 1_000_000) * 1e3),
      urgentMaxNs: urgentBelow === undefined ? 'auto' : Math.round(num(urgentFlag, urgentBelow, 0, 0, 10_000) * 1e6),
      defaultBudgetNs: Math.round(num('default-budget-ms', v['default-budget-ms'], d.defaultBudgetNs / 1e6, 0.001, MAX_BUDGET_NS / 1e6) * 1e6),
      defaultImportance: int('default-importance', v['default-importance'], d.defaultImportance, 1, 100),
      missEventsPerSec: int('miss-events', v['miss-events'], d.missEventsPerSec, 0, 1_000_000),
      batchMax: d.batchMax,
      batchWindowNs: v['batch-window-us'] === undefined ? 'auto' : Math.round(num('batch-window-us', v['batch-window-us'], 0, 0, 1_000_000) * 1e3),
      wakeBatch: int('wake-batch', v['wake-batch'], d.wakeBatch, 0, 65536),
      wakeAfterNs: v['wake-after-us'] === undefined ? 'auto' : Math.round(num('wake-after-us', v['wake-after-us'], 0, 1, 1_000_000) * 1e3),
      ringWait: oneOf('ring-wait', v['ring-wait'], RING_WAITS, d.ringWait),
    },
    controlSocket: v['control-socket'] ?? DEFAULT_CONTROL_SOCKET,
    fallbackMonitor: v['fallback-monitor'] === true,
    logLevel,
    logFormat,
    warnings,
  };
}
