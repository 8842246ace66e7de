// `scx-slo run`: attaches the scheduler and runs the agent until SIGINT/SIGTERM.
import { availableParallelism } from 'node:os';
import type { Server } from 'node:net';
import type { Command } from './command.js';
import { RUN_USAGE, parseRunOptions, type RunOptions } from './run-options.js';
import { KernelSupportError, LiveScheduler } from '../agent/kernel/live-scheduler.js';
import { BpfLoadError } from '../agent/bpf/bpf-object.js';
import { StallWatchdog } from '../agent/kernel/stall-watchdog.js';
import { serveControlSocket } from '../agent/serving/control-socket.js';
import { loadPolicyModule } from '../policy/registry.js';
import { startRunner } from '../agent/policy-runner/runner.js';
import { startSloSources, type SloSources } from '../agent/slo/slo-sources.js';
import { startServing, type Serving } from '../agent/serving/serving.js';
import { createLogger, type Logger } from '../agent/log/logger.js';
import type { WorkloadLookup } from '../agent/slo/workload-registry.js';
import { MissReporter } from '../agent/metrics/miss-reporter.js';
import { setLibbpfVerbose } from '../agent/bpf/libbpf-log.js';

/** The run's logger, set from --log-level/-v/--log-format once the options are parsed. */
let logger: Logger = createLogger({ level: 'info', format: 'text' });

function log(line: string): void {
  logger.info(line);
}

/** cgroup id -> "namespace/pod" or the cgroup path, for `scx-slo status`. */
function workloadNames(registry: WorkloadLookup, ids: Iterable<number>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of ids) {
    const w = registry.byCgroupId(id);
    if (w) out[String(id)] = w.pod ? `${w.pod.namespace}/${w.pod.name}` : w.cgroupPath;
  }
  return out;
}

async function runAttached(opts: RunOptions): Promise<number> {
  const module = await loadPolicyModule(opts.policy);
  const sched = await LiveScheduler.start(
    opts.scheduler,
    (originNs) => startRunner({ spec: opts.policy, module, nrCpus: availableParallelism(), options: opts.policyOptions, originNs }, opts.workers),
    log,
  );
  let sources: SloSources | undefined;
  let serving: Serving | undefined;
  let control: Server | undefined;
  let exitCode = 0;
  // SIGTERM must end the agent even when its JavaScript thread is stuck (an inline
  // policy in an endless loop): see agent/kernel/stall-watchdog.ts.
  const watchdog = new StallWatchdog();
  const stop = async (): Promise<void> => {
    sched.detachNow();
    control?.close();
    await serving?.close();
    await sources?.close();
    const report = await sched.stop();
    if (report && !/unregistered from user space/i.test(report)) logger.warn(`kernel exit report: ${report}`);
    await watchdog.stop();
  };
  try {
    sources = await startSloSources(opts, sched, log);
    const misses = new MissReporter({ workloads: sources.registry, log: (line) => logger.warn(line) });
    sched.onMiss((e) => misses.record(e));
    serving = await startServing(opts, { stats: sched, sources, missLateness: misses }, log);
    control = await serveControlSocket(opts.controlSocket, async (req) => {
      if (req.cmd === 'policy-set') {
        await sched.setPolicy(req.spec);
        return { policy: sched.policySpec };
      }
      const snap = sched.snapshot();
      return {
        mode: snap.mode, ops: snap.opsName, policy: snap.policy, counters: snap.counters,
        transport: sched.transportCounters, loop: sched.loopCounters, faults: sched.policyFaults,
        slos: Object.fromEntries(sched.entries()),
        cgroups: Object.fromEntries(snap.cgroups), lagHistogram: snap.lagHistogram,
        workloads: workloadNames(sources!.registry, snap.cgroups.keys()),
      };
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const outcome = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    void sched.ejected.then((why) => resolve(`ejected: ${why}`));
  });
  log(`stopping (${outcome})`);
  if (outcome.startsWith('ejected')) exitCode = 1;
  // Within a second whatever the policy does: stop() detaches the scheduler first and
  // abandons a hung worker; should anything else hold it up, exit anyway (the struct_ops
  // link closes with the process).
  watchdog.exitDeadline(950); // from its own thread, even if this one is stuck or busy
  const hardStop = setTimeout(() => {
    log('stopping took longer than 900 ms; exiting now');
    process.exit(exitCode || 1);
  }, 900);
  hardStop.unref();
  await stop();
  clearTimeout(hardStop);
  return exitCode;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'attach the scheduler and run the agent',
  usage: RUN_USAGE,
  async run(argv) {
    const opts = parseRunOptions(argv);
    logger = createLogger({ level: opts.logLevel, format: opts.logFormat });
    setLibbpfVerbose(opts.logLevel === 'debug');
    for (const warning of opts.warnings) logger.warn(warning);
    try {
      return await runAttached(opts);
    } catch (err) {
      if (err instanceof KernelSupportError && opts.fallbackMonitor) {
        const { runMonitorOnly } = await import('./run-monitor.js');
        return runMonitorOnly(opts, err.problems, log);
      }
      if (err instanceof BpfLoadError && opts.fallbackMonitor) {
        // The pre-check passed but the kernel refused the scheduler (a verifier rejection,
        // a failed attach): the same promise, stay up and monitor. The full error (with
        // the verifier's log) goes to the log first.
        log(`cannot attach the scheduler: ${err.message}`);
        const { runMonitorOnly } = await import('./run-monitor.js');
        return runMonitorOnly(opts, [`the kernel refused the scheduler: ${err.message.split('\n')[0]}`], log);
      }
      throw err;
    }
  },
};
