// `scx-slo sim`: replays a generated scenario or a recorded trace through one or more
// policy modules on a simulated machine and compares them (table, --json, --plot SVG);
// `scx-slo sim import` converts kernel scheduler traces into the scx-slo trace format.
import { writeFile } from 'node:fs/promises';
import { UsageError, type Command } from './command.js';
import { loadPolicyModule } from '../policy/registry.js';
import { cdfPlotSvg } from '../sim/cdf-plot-svg.js';
import { DEFAULT_POLICIES, DEFAULT_SCENARIO_DURATION_MS, DEFAULT_SEED, parseSimArgs, type ImportArgs, type ReplayArgs } from './sim-args.js';
import { Warnings } from '../sim/diagnostics.js';
import { formatNs } from '../sim/format-duration.js';
import { loadTraceFile } from '../sim/import/trace-file.js';
import type { LatencyHistogram } from '../sim/latency-histogram.js';
import { comparisonTable } from '../sim/report-table.js';
import { resultJson } from '../sim/result-json.js';
import { KERNEL_BASELINES, type ReplayTarget } from '../sim/replay-target.js';
import { replayAll } from '../sim/run-replays.js';
import { SCENARIOS } from '../sim/scenarios/index.js';
import { DEFAULT_MODEL, type SimModel } from '../sim/sim-model.js';
import { writeTraceFile } from '../sim/trace-writer.js';
import type { Workload } from '../sim/workload.js';

const scenarioLines = [...SCENARIOS.values()].map((s) => `                        ${s.name.padEnd(16)} ${s.description}`).join('\n');

const USAGE = `usage: scx-slo sim --scenario NAME [options]
       scx-slo sim --trace FILE [--format scxslo|ftrace|perf] [--group NAME=REGEX ...] [options]
       scx-slo sim import FILE --out TRACE.jsonl [--format ftrace|perf|scxslo] [--group NAME=REGEX ...]

Replays a workload through scheduling policy modules (the same modules the live agent
runs) on a simulated machine that models the scx-slo kernel side, and compares them per
workload group: wake-to-run latency and request latency (p50, p90, p99, p99.9),
deadline misses (a task first runs after enqueue + budget * (101 - importance) / 100),
CPU share and batch throughput.

workload (exactly one):
  --scenario NAME       generate a workload:
${scenarioLines}
  --trace FILE          replay a file: an scx-slo trace (sim/TRACE_FORMAT.md), ftrace text
                        (/sys/kernel/tracing/trace or \`trace-cmd report\`) or \`perf sched script\`
                        output (converted as \`sim import\` does)

options:
  --policy LIST         comma-separated built-in policies or paths to policy modules;
                        repeatable (default ${DEFAULT_POLICIES.join(',')}); \`eevdf\` is the
                        kernel's default scheduler as the simulator models it (a baseline,
                        not a policy module: sim/README.md)
  --policy-opt K=V      option passed to every policy, repeatable (e.g. slice-us=2000)
  --cpus N              simulated CPUs (default: 16 for scenarios, the trace's own count)
  --duration-ms N       simulated time (default: ${DEFAULT_SCENARIO_DURATION_MS} for scenarios, the trace's length)
  --seed N              scenario generator seed (default ${DEFAULT_SEED}); same seed, same result
  --json                print the results as JSON (stable format, sim/JSON_OUTPUT.md)
                        instead of the table
  --plot FILE           write latency CDFs (per group, one line per policy) as SVG to FILE
  --out-trace FILE      also write the replayed workload as an scx-slo trace
  --progress            draw a progress bar on stderr for replays longer than ~2 s even when
                        stderr is not a terminal; --no-progress never draws one

kernel traces (--trace with ftrace/perf text, and sim import):
  --format F            scxslo, ftrace or perf (default: detected from the first lines)
  --group NAME=REGEX    tasks whose command name matches REGEX form group NAME;
                        repeatable, first match wins, unmatched tasks go to "other".
                        Without --group, tasks are grouped by command name without its
                        numeric suffix (kworker/0:1 -> kworker)
  --slo NAME=BUDGET[:IMPORTANCE]
                        give group NAME an SLO, e.g. --slo web=2ms:90 (importance 1..100,
                        default 50; budget up to 1h). Other groups have none.
  --kind NAME=service|batch
                        override a group's kind (default: service when its tasks sleep
                        more than they run, else batch)
  --cpus N              (import) the CPU count to record in the trace

model (see sim/README.md):
  --context-switch-us N cost of switching a CPU to another task (default ${DEFAULT_MODEL.contextSwitchNs / 1000})
  --slice-us N          default slice, ctl.slice_ns (default ${DEFAULT_MODEL.sliceNs / 1000})
  --urgent-below-us N   ctl.urgent_max_ns for policies with urgentInKernel (edf): "urgent"
                        tasks, whose deadline is within this of their enqueue, skip the
                        policy, run in deadline order and may preempt the CPU whose running
                        task has the latest deadline, if later than theirs (wake-up
                        preemption); 0 turns it off (default ${DEFAULT_MODEL.directMaxNs / 1000});
                        --direct-max-us is its deprecated old name
  --dispatch-batch N    decisions asked of the policy per dispatch (default ${DEFAULT_MODEL.dispatchBatch})
  --agent-lag-us N      delay before a runnable task reaches the policy (default ${DEFAULT_MODEL.agentLagNs})
  --agent-cpu-us-per-record N
                        the agent as a CPU consumer: its one thread runs N us per record
                        handed to the policy before the policy's decisions for them exist,
                        scheduled as the kernel side schedules it (its EDF queue, deadline
                        now + --agent-deadline-us); its CPU comes out of the workloads
                        (totals agent_cpu_ns, agent_share); 0 = not modelled (default ${DEFAULT_MODEL.agentCpuNsPerRecord / 1000})
  --agent-deadline-us N the agent's deadline offset, the live agent's lag bound ctl.lag_ns
                        (--lag-ms there) (default ${DEFAULT_MODEL.agentDeadlineNs / 1000})
  --wakeup-us N         wake-up cost of the scx-slo kernel side: a woken task reaches the
                        scheduler this much later (select_cpu, enqueue, kick IPI, idle
                        exit, dispatch); latency counts from the wake-up (default ${DEFAULT_MODEL.wakeupNs / 1000})
  --baseline-wakeup-us N
                        the same for the eevdf baseline (default ${DEFAULT_MODEL.baselineWakeupNs / 1000})
  --eevdf-flat          the eevdf baseline without cgroups: every task an entity of its CPU's
                        root runqueue (default: each workload group is a cgroup of
                        cpu.weight 100, tasks of a trace's unmatched "other" in the root)
  --baseline-cpu-weight GROUP=W
                        the eevdf baseline with group GROUP's cgroup at cpu.weight W
                        (1..10000; repeatable), e.g. service=10000 for the kernel default
                        hand-tuned; other groups keep their own (the scenario's, or 100)
  --tick-us N           scheduler tick period: a task running past its deadline gets a
                        new one (now + laxity) at the next tick, as slo_tick() does
                        (urgentInKernel policies, the ones that preempt); 0 = never
                        (default ${DEFAULT_MODEL.tickNs / 1000}, HZ=1000)
  --preempt-renews-deadline
                        what-if: a preempted task starts a new job (enqueue = now, a fresh
                        deadline, its next run counted again) instead of resuming its job
                        with the deadline it had, as the live kernel side does

examples:
  scx-slo sim --scenario noisy-neighbour --policy edf,fair,fifo
  scx-slo sim --scenario mixed --cpus 64 --duration-ms 5000 --json > result.json
  scx-slo sim --trace trace.txt --group web='^nginx' --slo web=5ms:90 --plot cdf.svg
  scx-slo sim import perf-sched.txt --out trace.jsonl --group hog=stress-ng`;

async function loadModules(specs: readonly string[]): Promise<ReplayTarget[]> {
  const modules: ReplayTarget[] = [];
  for (const spec of specs) {
    const mod = KERNEL_BASELINES.get(spec) ?? (await loadPolicyModule(spec));
    if (modules.some((m) => m.name === mod.name)) throw new UsageError(`--policy: two policies are named ${JSON.stringify(mod.name)} (${spec})`);
    modules.push(mod);
  }
  return modules;
}

function printWarnings(warnings: Warnings): void {
  for (const line of warnings.summary()) console.error(`warning: ${line}`);
}

async function runImport(args: ImportArgs): Promise<number> {
  const warnings = new Warnings();
  const loaded = await loadTraceFile(args.file, args.format, { groups: args.groups, slos: args.slos, kinds: args.kinds,
    ...(args.cpus === undefined ? {} : { cpus: args.cpus }) }, warnings);
  const w = loaded.workload;
  if (args.cpus !== undefined) w.cpus = args.cpus;
  await writeTraceFile(w, args.out);
  printWarnings(warnings);
  console.log(`${args.file} (${loaded.format}): ${w.tasks.length} tasks, ${w.cpus} CPUs, ${formatNs(w.durationNs)}; wrote ${args.out}`);
  for (const [i, g] of w.groups.entries()) {
    const tasks = w.tasks.filter((t) => t.group === i).length;
    const rec = loaded.recordedWakeLatency?.get(g.name);
    const slo = g.slo === null ? 'no SLO' : `budget ${formatNs(g.slo.budgetNs)}, importance ${g.slo.importance}`;
    const lat = rec && rec.count > 0 ? `; recorded wake-to-run p50 ${formatNs(rec.quantile(0.5))}, p99 ${formatNs(rec.quantile(0.99))} ` +
      `(${rec.count} wake-ups)` : '';
    console.log(`  ${g.name} (${g.kind}, ${tasks} tasks, ${slo})${lat}`);
  }
  return 0;
}

async function runReplay(args: ReplayArgs): Promise<number> {
  const warnings = new Warnings();
  const modules = await loadModules(args.policies);
  let workload: Workload;
  let recorded: Map<string, LatencyHistogram> | null = null;
  let durationNs: number;
  if (args.scenario !== undefined) {
    const scenario = SCENARIOS.get(args.scenario)!;
    durationNs = args.durationNs ?? DEFAULT_SCENARIO_DURATION_MS * 1e6;
    workload = scenario.generate({ cpus: args.cpus ?? scenario.defaultCpus, durationNs, seed: args.seed });
  } else {
    const loaded = await loadTraceFile(args.trace!, args.format, { groups: args.groups, slos: args.slos, kinds: args.kinds }, warnings);
    workload = loaded.workload;
    recorded = loaded.recordedWakeLatency;
    durationNs = args.durationNs ?? workload.durationNs;
  }
  const model: SimModel = {
    cpus: args.cpus ?? workload.cpus,
    durationNs,
    ...args.model,
  };
  if (args.outTrace !== undefined) await writeTraceFile(workload, args.outTrace);
  const results = replayAll(workload, modules, model, { policyOptions: args.policyOptions, progress: args.progress ?? process.stderr.isTTY === true });
  const doc = resultJson(workload, args.trace ?? null, results, warnings.summary(1000), recorded);
  printWarnings(warnings);
  const notes: string[] = [];
  if (args.outTrace !== undefined) notes.push(`trace: ${args.outTrace}`);
  if (args.plot !== undefined) {
    await writeFile(args.plot, cdfPlotSvg(`${workload.name}: ${model.cpus} CPUs, ${formatNs(durationNs)}`, results));
    notes.push(`plot: ${args.plot}`);
  }
  if (args.json) {
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    for (const n of notes) console.error(n);
  } else {
    console.log(comparisonTable(doc));
    if (notes.length > 0) console.log(['', ...notes].join('\n'));
  }
  return 0;
}

export const simCommand: Command = {
  name: 'sim',
  summary: 'replay a scenario or a scheduler trace through policies and compare them',
  usage: USAGE,
  async run(argv) {
    const args = parseSimArgs(argv);
    return args.command === 'import' ? runImport(args) : runReplay(args);
  },
};
