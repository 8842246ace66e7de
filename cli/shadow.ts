// `scx-slo shadow`: try a policy on a live node without taking it over. The shadow BPF
// programs (bpf/shadow.bpf.c) send the node's real wake-ups to the agent's real
// delegation loop and policy, and time each decision as scx_slo's ops.dispatch() would
// receive it; the node's own scheduler stays in charge and nothing is applied. Prints a
// line per interval (decisions/s, decision latency p50/p99/max, the agent's CPU) and a
// summary on SIGINT/SIGTERM or after --seconds. Works without sched_ext.
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Command } from './command.js';
import { UsageError } from './command.js';
import { ShadowDelegation, shadowDelta, shadowPercentileUs, type ShadowSnapshot } from '../agent/kernel/shadow-delegation.js';
import { DEFAULT_CONFIG } from '../agent/kernel/live-scheduler.js';
import { startRunner } from '../agent/policy-runner/runner.js';
import { DEFAULT_POLICY, loadPolicyModule } from '../policy/registry.js';

const DEFAULT_SHADOW_OBJECT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bpf', 'build', 'shadow.bpf.o');

const USAGE = `usage: scx-slo shadow [options]

Runs a policy on this node's real wake-ups without scheduling anything: BPF programs on
the kernel's scheduler tracepoints hand every wake-up and re-queue to the agent as the
scx-slo scheduler would, and time each decision (task handed over -> decision back in
the kernel). The node's own scheduler stays in charge. Needs root (CAP_BPF, CAP_PERFMON)
and BTF; sched_ext is not needed.

  --policy NAME|FILE        edf (default), fair, fifo, or a path to a policy module
  --policy-opt KEY=VALUE    option passed to the policy (repeatable)
  --workers N               policy worker threads; 0 (default) runs it on the agent's thread
  --wake-batch N            batched wake-ups, as \`scx-slo run --wake-batch\` (default 0: the
                            agent is woken at the first task)
  --wake-after-us US        the oldest waiting task's bound with --wake-batch (default 500)
  --interval-s S            seconds between report lines (default 5)
  --seconds S               stop after this long (default: until SIGINT/SIGTERM)
  --bpf-object PATH         compiled shadow programs (default bpf/build/shadow.bpf.o)

Each line: decisions/s, decision latency p50/p99/max (us, histogram upper bounds), the
agent's CPU (all threads) per 1000 decisions and as a share of one CPU, decisions not
timed (stale: the task was re-queued 4 times before its decision) and records lost to
a full ring.`;

function line(d: ShadowSnapshot, decisions: number, cpuUs: number, seconds: number): string {
  return `${(decisions / seconds).toFixed(0)} decisions/s, ` +
    `latency p50 ${shadowPercentileUs(d.histogram, 0.5)} us, p99 ${shadowPercentileUs(d.histogram, 0.99)} us, ` +
    `max ${(d.maxNs / 1000).toFixed(0)} us; agent CPU ${decisions > 0 ? ((cpuUs / decisions) * 1000).toFixed(0) : '-'} us per 1000 decisions ` +
    `(${((100 * cpuUs) / 1e6 / seconds).toFixed(1)}% of a CPU); stale ${d.counters.stale}, ring full ${d.counters.ring_full}`;
}

export const shadowCommand: Command = {
  name: 'shadow',
  summary: 'try a policy on this node\'s real wake-ups without taking the node over',
  usage: USAGE,
  async run(argv) {
    let values;
    try {
      ({ values } = parseArgs({ args: argv, options: {
        policy: { type: 'string' }, 'policy-opt': { type: 'string', multiple: true }, workers: { type: 'string' },
        'interval-s': { type: 'string' }, seconds: { type: 'string' }, 'bpf-object': { type: 'string' },
        'wake-batch': { type: 'string' }, 'wake-after-us': { type: 'string' },
      } }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const num = (name: string, raw: string | undefined, dflt: number, min: number, max: number): number => {
      if (raw === undefined) return dflt;
      const n = Number(raw);
      if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name}: expected a number in ${min}..${max}, got ${JSON.stringify(raw)}`);
      return n;
    };
    const options: Record<string, string> = {};
    for (const kv of values['policy-opt'] ?? []) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new UsageError(`--policy-opt: expected KEY=VALUE, got ${JSON.stringify(kv)}`);
      options[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    const workers = num('workers', values.workers, 0, 0, 64);
    if (!Number.isInteger(workers)) throw new UsageError(`--workers: expected an integer, got ${values.workers}`);
    const wakeBatch = num('wake-batch', values['wake-batch'], DEFAULT_CONFIG.wakeBatch, 0, 65536);
    if (!Number.isInteger(wakeBatch)) throw new UsageError(`--wake-batch: expected an integer, got ${values['wake-batch']}`);
    const windowNs = DEFAULT_CONFIG.lagNs / 10;
    const wakeAfterNs = Math.round(num('wake-after-us', values['wake-after-us'], windowNs / 1000, 1, 1_000_000) * 1000);
    const intervalS = num('interval-s', values['interval-s'], 5, 0.1, 3600);
    const seconds = values.seconds === undefined ? Infinity : num('seconds', values.seconds, 0, 0.1, 1e7);
    const spec = values.policy ?? DEFAULT_POLICY;
    const module = await loadPolicyModule(spec);
    const origin = process.hrtime.bigint();
    const runner = await startRunner({ spec, module, nrCpus: availableParallelism(), options, originNs: origin }, workers);
    const log = (l: string): void => void process.stderr.write(`${new Date().toISOString()} scx-slo shadow: ${l}\n`);
    const shadow = ShadowDelegation.start({
      objectPath: values['bpf-object'] ?? DEFAULT_SHADOW_OBJECT,
      defaultBudgetNs: DEFAULT_CONFIG.defaultBudgetNs,
      defaultImportance: DEFAULT_CONFIG.defaultImportance,
      loop: {
        batchMax: DEFAULT_CONFIG.batchMax, batchWindowNs: windowNs, idleWaitMs: DEFAULT_CONFIG.heartbeatMs,
        roundDeadlineMs: DEFAULT_CONFIG.roundDeadlineMs, backoffMinMs: 100, backoffMaxMs: 5000,
      },
      wakeBatch,
      wakeAfterNs,
    }, runner, origin, log);
    log(`shadowing policy ${spec} (${workers === 0 ? 'inline' : `${workers} worker${workers > 1 ? 's' : ''}`}) on this node's wake-ups; nothing is scheduled`);
    const first = { snap: shadow.snapshot(), records: shadow.loopCounters.records, cpu: process.cpuUsage(), t: Date.now() };
    let prev = { ...first };
    const report = (from: typeof first): string => {
      const now = { snap: shadow.snapshot(), records: shadow.loopCounters.records, cpu: process.cpuUsage(), t: Date.now() };
      const cpu = process.cpuUsage(from.cpu);
      const text = line(shadowDelta(from.snap, now.snap), now.records - from.records, cpu.user + cpu.system, (now.t - from.t) / 1000);
      prev = now;
      return text;
    };
    const timer = setInterval(() => console.log(report(prev)), intervalS * 1000);
    const why = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
      if (Number.isFinite(seconds)) setTimeout(() => resolve('time'), seconds * 1000).unref();
    });
    clearInterval(timer);
    console.log(`summary (${((Date.now() - first.t) / 1000).toFixed(1)} s, ${why}): ${report(first)}`);
    const faults = shadow.policyFaults;
    if (faults.errors + faults.timeouts > 0) console.log(`policy faults: ${faults.errors} errors, ${faults.timeouts} timeouts (last: ${faults.lastFault})`);
    await shadow.stop();
    return 0;
  },
};
