// The head-to-head's reporting half: reads raw.json from a results directory (written
// by guest-run.ts), prints per scenario the table, the traced wake-to-run per row and
// the goals (MET / NOT MET), writes summary.json (scenarios.<name>.schedulers.<id>: the
// figures below; its path printed last) and head-to-head-<scenario>.svg next to it, and
// sets the simulator beside the measurement (fidelity.ts): the probe's recorded trace
// replayed, the simulator's own service scenario. Runs on the host (native speed),
// after the guest is done.
//
//   node dist/bench/demo/report.js --dir bench/results/demo-... [--host-note TEXT]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatNs } from '../../sim/format-duration.js';
import { chartSvg } from './chart-svg.js';
import { agentCpuArgs, agentCpuPerRecord, runFidelity, runServiceFidelity, type FidelityResult, type ServiceFidelity } from './fidelity.js';
import { parseHostCpu } from './host-cpu.js';
import { parseCyclictestHistogram } from './probe-output.js';
import { EMULATION_NOTE } from './notes.js';
import { rowVariant, SCHEDULERS, variantText, type RawRun } from './raw-results.js';
import { percentile } from './stats.js';
import { agentLoopLine, METRICS, rowFigures, runScenarios, summarize, TARGETS, type Summary } from './summarize.js';
import { scenarioOf, type RawTrace } from './raw-results.js';
import { SERVICE_WORKLOAD } from './scenarios.js';
import { quantileNs, wakeToRun } from './wake-to-run.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(HERE, '..', '..', 'cli', 'main.js');

const pct = (f: number | null | undefined, digits = 1): string => (f === null || f === undefined || !Number.isFinite(f) ? '-'
  : `${(100 * f).toFixed(digits)}%`);
const rat = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const rng = (r: { min: number; max: number } | null | undefined, f: (v: number) => string): string => (r ? `${f(r.min)}..${f(r.max)}` : '-');

function table(rows: string[][], header: string[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Per row: the traced wake-to-run of the latency-sensitive workload's threads. */
export interface TracedWakeToRun {
  scheduler: string;
  count: number;
  p50_ns: number | null;
  p99_ns: number | null;
  file: string;
}

export function resultsTable(s: Summary, wake: ReadonlyMap<string, TracedWakeToRun> = new Map()): string {
  const rows = s.order.map((name) => {
    const x = s.schedulers[name]!;
    const sh = x.dispatch_shares;
    const w = wake.get(name);
    return [
      name,
      String(x.repetitions),
      formatNs(x.ls_p50_ns),
      `${formatNs(x.ls_p99_ns)} (${rng(x.spread.ls_p99_ns, formatNs)})`,
      formatNs(x.ls_p999_ns),
      `${pct(x.ls_within_budget)} (${rng(x.spread.ls_within_budget, (v) => pct(v))})`,
      `${x.batch_ops === null ? '-' : String(Math.round(x.batch_ops))} (${rng(x.spread.batch_ops, (v) => String(Math.round(v)))})`,
      `${rat(x.ratio_to_default.ls_p99_ns)}`,
      `${rat(x.ratio_to_default.batch_ops)}`,
      x.guest_cpu.agent === null || !sh ? '-' : x.guest_cpu.agent.toFixed(2),
      sh ? `${pct(sh.userspace, 0)} / ${pct(sh.fallback, 0)} / ${pct(sh.direct, 0)}` : '-',
      sh ? pct(sh.decided_in_time, 0) : '-',
      x.decision_lag_p50_ns === null ? '-' : formatNs(x.decision_lag_p50_ns),
      w ? `${formatNs(w.p50_ns)} / ${formatNs(w.p99_ns)}` : '-',
    ];
  });
  return table(rows, ['row', 'n', 'p50', 'p99 (range)', 'p99.9', 'within budget (range)', 'batch ops (range)', 'p99/def', 'batch/def',
    'agent CPUs', 'user/fallback/direct', 'decided', 'lag p50', 'traced wake-to-run p50 / p99']);
}

/** The traced cells of one scenario, by row, with their wake-to-run (the ls workload's threads). */
export function tracedWakeToRun(dir: string, traces: readonly RawTrace[], scenario: string): Map<string, TracedWakeToRun> {
  const out = new Map<string, TracedWakeToRun>();
  for (const t of traces) {
    if (scenarioOf(t) !== scenario || !t.scheduler || !existsSync(join(dir, t.file))) continue;
    const comm = t.lsComm ?? 'cyclictest';
    const w = wakeToRun(readFileSync(join(dir, t.file), 'utf8'), comm);
    out.set(t.scheduler, { scheduler: t.scheduler, count: w.latenciesNs.length, p50_ns: quantileNs(w.latenciesNs, 0.5),
      p99_ns: quantileNs(w.latenciesNs, 0.99), file: t.file });
  }
  return out;
}

function serviceFidelityLines(f: ServiceFidelity): string[] {
  if (!f.available) return [`simulator fidelity (service): not compared: ${f.reason}`];
  const met = (m: boolean | null): string => (m === null ? 'not compared' : m ? 'MET' : 'NOT MET');
  return [
    `simulator fidelity (service; scx-slo sim ${f.args.join(' ')}):`,
    `  p99 ratio slo-edf/default: sim edf/eevdf ${rat(f.simRatio)} (${formatNs(f.simEdf?.p99 ?? null)} / ${formatNs(f.simEevdf?.p99 ?? null)}), measured ` +
      `${rat(f.measuredRatio)}; ` +
      `deviation ${f.ratioDeviation === null ? '-' : pct(f.ratioDeviation, 0)} -> within ${pct(f.target, 0)}: ${met(f.ratioMet)}`,
    `  within budget under edf: sim ${pct(f.simWithinBudget)}, measured ${pct(f.measuredWithinBudget)}; deviation ` +
      `${f.withinDeviation === null ? '-' : pct(f.withinDeviation, 0)} -> within ${pct(f.target, 0)}: ${met(f.withinMet)}`,
    ...(f.reason ? [`  note: ${f.reason}`] : []),
  ];
}

/** The tick period (us) of the measured kernel, from its config (CONFIG_HZ), or null. */
function kernelTickUs(configFile: string): number | null {
  if (!existsSync(configFile)) return null;
  const hz = /^CONFIG_HZ=(\d+)$/m.exec(readFileSync(configFile, 'utf8'));
  return hz && Number(hz[1]) > 0 ? Math.round(1e6 / Number(hz[1])) : null;
}

function fidelityTable(f: FidelityResult): string {
  const rows = f.variants.map((v) => [
    v.name,
    formatNs(v.edf?.p99 ?? null),
    formatNs(v.eevdf?.p99 ?? null),
    rat(v.simRatioEevdf),
    rat(f.measuredRatio),
    v.deviationEevdf === null ? (v.error ? `error: ${v.error}` : '-') : pct(v.deviationEevdf, 0),
    v.deviationEevdf === null ? '-' : v.withinTargetEevdf ? 'yes' : 'no',
    `${rat(f.recordedRatio)} / ${v.deviationEevdfRecorded === null ? '-' : pct(v.deviationEevdfRecorded, 0)}`,
    formatNs(v.fair?.p99 ?? null),
    rat(v.simRatio),
    v.deviation === null ? '-' : pct(v.deviation, 0),
    v.edfTotals?.['agent_share'] ? pct(v.edfTotals['agent_share'], 1) : '-',
  ]);
  return table(rows, [
    'sim model', 'sim edf p99', 'sim eevdf p99', 'sim edf/eevdf', 'measured edf/default', 'deviation', `within ${pct(f.target, 0)}`,
    'traces\' ratio / deviation', 'sim fair p99', 'sim edf/fair (old)', 'deviation (old)', 'sim edf agent share',
  ]);
}

function fmtUs(ns: number | null | undefined): string {
  return ns === null || ns === undefined ? '-' : formatNs(ns);
}

/** The probe scenario's simulator check: the recorded default-scheduler trace replayed. */
async function probeFidelity(run: RawRun, dir: string, s: Summary): Promise<FidelityResult | null> {
  let fidelity: FidelityResult | null = null;
  const edf = s.schedulers['slo-edf'];
  const def = s.schedulers.default;
  if (run.trace && existsSync(join(dir, run.trace.file))) {
    console.log('demo: replaying the recorded trace in the simulator (edf, fair, eevdf) ...');
    const lagNs = edf?.decision_lag_p50_ns ?? null;
    const tracedProbe = run.trace.probe ? percentile(parseCyclictestHistogram(run.trace.probe.histogramText, run.trace.probe.rangeUs), 0.99) : undefined;
    const liveArgs = ['--urgent-below-us', String(run.config.lagMs * 1000), ...(lagNs ? ['--agent-lag-us', String(Math.round(lagNs / 1000))] : [])];
    // The agent as a CPU consumer: its cost per record from the CPU accounting of the cells
    // run like the traced scx-slo cell (worker or inline), its deadline the lag bound.
    const agentCpu = run.traceSlo?.scheduler ? agentCpuPerRecord(run.cells, run.traceSlo.scheduler) : null;
    const agentArgs = agentCpu ? agentCpuArgs(agentCpu, run.config.lagMs) : null;
    const tickUs = kernelTickUs(join(dir, 'kernel-config'));
    const agentNote = agentCpu ? `the agent as a CPU consumer: ${fmtUs(agentCpu.nsPerRecord)} per record (${run.traceSlo?.scheduler} cells' agent CPU / ` +
      `records to userspace), deadline now + ${run.config.lagMs} ms` : '';
    fidelity = await runFidelity({
      cli: CLI,
      traceFile: join(dir, run.trace.file),
      rewrittenFile: join(dir, 'trace-default.sim-input.txt'),
      probePid: run.trace.probePid,
      slos: { ls: s.layout.ls.slo, batch: s.layout.batch.slo },
      measuredEdfP99Ns: edf?.ls_p99_ns ?? null,
      measuredDefaultP99Ns: def?.ls_p99_ns ?? null,
      tracedCellProbeP99Ns: tracedProbe?.ns ?? null,
      sloTrace: run.traceSlo && existsSync(join(dir, run.traceSlo.file))
        ? { file: join(dir, run.traceSlo.file), rewrittenFile: join(dir, 'trace-slo-edf.sim-input.txt'), probePid: run.traceSlo.probePid }
        : null,
      variants: [
        { name: 'sim defaults', description: 'the simulator\'s default model: 2 us context switch, 5 ms slice, direct below 1 ms, no agent lag', args: [] },
        {
          name: 'live settings',
          description: `the live run's settings: direct below the lag bound (${run.config.lagMs} ms, as the agent's 'auto'), agent lag = the measured median ` +
            `decision lag of the edf cells (${fmtUs(lagNs)})`,
          args: liveArgs,
        },
        ...(tickUs !== null ? [{
          name: 'sim defaults, kernel tick',
          description: `the sim defaults with the measured kernel's tick (CONFIG_HZ=${Math.round(1e6 / tickUs)}: --tick-us ${tickUs}; the ` +
            `sim's default is 1 ms)`,
          args: ['--tick-us', String(tickUs)],
        }] : []),
        { name: 'sim defaults, eevdf flat', description: 'the sim defaults with the eevdf baseline without cgroups (--eevdf-flat: every task on its CPU\'s ' +
          'root runqueue), the model before the cgroup hierarchy', args: ['--eevdf-flat'] },
        ...(agentArgs ? [
          { name: 'sim defaults + agent CPU', description: `the sim defaults; ${agentNote}`, args: agentArgs },
          { name: 'live settings + agent CPU', description: `the live run's settings; ${agentNote}`, args: [...liveArgs, ...agentArgs] },
        ] : []),
      ],
      calibrate: ['sim defaults', 'live settings', 'sim defaults, kernel tick', 'sim defaults, eevdf flat', 'sim defaults + agent CPU',
        'live settings + agent CPU'],
      agentCpu,
    });
  }

  return fidelity;
}

function printProbeFidelity(run: RawRun, fidelity: FidelityResult): void {
  console.log(`simulator fidelity (probe; trace of a default cell, ${run.trace?.seconds} s; sim eevdf models the kernel default, edf/fair is ` +
    `the old comparison):`);
  console.log(fidelityTable(fidelity));
  const cal = fidelity.calibration;
  if (cal) {
    console.log(`calibrated wake-up costs (from the probe's p50 wake-to-run in the traced cells, minus the ${fmtUs(cal.contextSwitchNs)} switch): ` +
      `scx-slo ${cal.wakeupUs} us (p50 ${fmtUs(cal.sloP50Ns)}), default ${cal.baselineWakeupUs} us (p50 ${fmtUs(cal.defaultP50Ns)})`);
  }
  const ac = fidelity.agentCpu;
  if (ac) console.log(`agent CPU per record (agent CPU / records to userspace over ${ac.cells} ${ac.scheduler} cells, ${ac.agentS.toFixed(1)} s / ` +
    `${ac.records}): ${fmtUs(ac.nsPerRecord)}`);
  console.log(`probe p99 in the traced default cell: cyclictest ${fmtUs(fidelity.tracedCellProbeP99Ns)}, wake-to-run from the trace ` +
    `${fmtUs(fidelity.recordedProbe?.p99 ?? null)}; ` +
    `replayed under sim eevdf: ${fmtUs(fidelity.variants[0]?.eevdf?.p99 ?? null)}, sim fair: ${fmtUs(fidelity.variants[0]?.fair?.p99 ?? null)}`);
}

function describeScenario(run: RawRun, s: Summary): string[] {
  const l = s.layout;
  const lines = [`scenario ${l.name}: ${l.description}`];
  lines.push(`  ${l.ls.path}: SLO ${l.ls.slo.budgetMs} ms / importance ${l.ls.slo.importance} (deadline ${formatNs(s.deadlineDelayNs)}), cpu.weight ` +
    `${l.ls.weight} (default-tuned: ${l.tunedWeight}); ` +
    `${l.batch.path}: stress-ng --cpu ${run.config.stressors} --cpu-method ${run.config.stressMethod}, SLO ${l.batch.slo.budgetMs} ms / ` +
    `${l.batch.slo.importance}, cpu.weight ${l.batch.weight}`);
  if (l.weightNotes.length > 0) lines.push(`  kubelet's conversion: ${l.weightNotes.join('; ')}`);
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, 'host-note': { type: 'string' }, 'no-sim': { type: 'boolean', default: false } } });
  if (!values.dir) {
    console.error('usage: node dist/bench/demo/report.js --dir RESULTS_DIR [--host-note TEXT] [--no-sim]');
    process.exit(2);
  }
  const dir = resolve(values.dir);
  const rawFile = join(dir, 'raw.json');
  if (!existsSync(rawFile)) throw new Error(`no ${rawFile}: the measuring half did not run or wrote nothing`);
  const run = JSON.parse(readFileSync(rawFile, 'utf8')) as RawRun;
  const hostFile = join(dir, 'host-cpu.tsv');
  const host = existsSync(hostFile) ? parseHostCpu(readFileSync(hostFile, 'utf8')) : null;
  const versionFile = join(dir, 'snapshot', 'VERSION');
  const version = existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim().split('\n') : null;
  const traces = [...(run.trace ? [run.trace] : []), ...(run.traces ?? [])];
  const cores = (v: number | null): string => (v === null ? '-' : v.toFixed(2));
  const agent = run.config.agent;

  console.log('');
  console.log(`scx-slo head-to-head: kernel ${run.kernel}, ${run.cpus} vCPUs (QEMU TCG), ${run.config.rounds} rounds interleaved, ` +
    `${run.config.probeSeconds} s per cell`);
  if (agent) console.log(`scx-slo rows: agent --workers ${agent.workers} --lag-ms ${agent.lagMs} --stall-ms ${agent.stallMs} --heartbeat-ms ` +
    `${agent.heartbeatMs}${agent.wakeBatch ? ` --wake-batch ${agent.wakeBatch} --wake-after-us ${agent.wakeAfterUs}` : ''} (bench/demo/agent-settings.ts)`);
  for (const name of run.config.schedulers) {
    const v = rowVariant(run.config, name);
    if (v) console.log(`${name}: ${variantText(v)}`);
  }
  console.log('medians over rounds, (min..max) over rounds; within budget = share of requests (service) or wake-ups (probe) no later than the SLO budget;');
  console.log('decided = of the tasks handed to userspace, the share that ran by the agent\'s decision; lag = enqueue to decision applied (kernel histogram)');

  const scenarios: Record<string, unknown> = {};
  const verdicts: string[] = [];
  const charts: string[] = [];
  for (const scenario of runScenarios(run)) {
    const s = summarize(run, host, scenario);
    if (s.order.length === 0) {
      console.log(`\nscenario ${scenario}: no measured cell`);
      continue;
    }
    const wake = tracedWakeToRun(dir, traces, scenario);
    console.log('');
    for (const l of describeScenario(run, s)) console.log(l);
    console.log('');
    console.log(resultsTable(s, wake));
    console.log('');
    for (const name of s.order) console.log(`  ${name}: ${s.schedulers[name]!.label}`);
    if (s.idle) console.log(`${scenario} workload alone (no batch, default scheduler): p50 ${formatNs(s.idle.metrics.ls_p50_ns)}, p99 ` +
      `${formatNs(s.idle.metrics.ls_p99_ns)}: the emulated machine's floor`);
    console.log('guest CPU use during the cells (CPUs, medians): ' + s.order.map((n) => {
      const g = s.schedulers[n]!.guest_cpu;
      return `${n}: batch ${cores(g.batch)}, ls ${cores(g.ls)}${g.agent !== null ? `, agent ${cores(g.agent)}` : ''}, idle ${cores(g.idle)}`;
    }).join('; '));
    if (scenario === 'service') {
      const req = s.layout.ls.requestMilli;
      console.log('service CPU per request as the guest accounts it (ls cgroup CPU / requests completed, medians): ' +
        s.order.map((n) => `${n} ${fmtUs(s.schedulers[n]!.ls_cpu_per_request_ns)}`).join(', ') +
        ` (the spin itself is ${formatNs(SERVICE_WORKLOAD.workUs * 1000)}; the rest is what the guest charges beyond it: the emulated kernel's wake-up and ` +
        `syscall paths, and host time the vCPU lost while the service ran` +
        `${req ? `; at ${1000 / (SERVICE_WORKLOAD.meanUs / 1000)} requests/s that is a demand of ` +
          `${s.order.map((n) => ((s.schedulers[n]!.ls_cpu_per_request_ns ?? 0) * (1e6 / SERVICE_WORKLOAD.meanUs) / 1e6).toFixed(0)).join('/')}` +
          `m against a ${req}m request` : ''})`);
    }
    const loopLines = s.order.filter((n) => SCHEDULERS[n].slo).map((n) => agentLoopLine(n, rowFigures(s, n))).filter((l): l is string => l !== null);
    if (loopLines.length > 0) {
      console.log('the agent per scx-slo row (medians over rounds; CPU per round = agent CPUs / rounds per s; thread shares = thread CPU / wall time of ' +
        'the row\'s median round by agent CPU):');
      for (const l of loopLines) console.log(`  ${l}`);
    }
    if (host) {
      console.log('host CPUs taken by other host processes during the cells (medians): ' +
        s.order.map((n) => `${n} ${cores(s.schedulers[n]!.host_other_cores)}`).join(', ') +
        (s.cells.some((c) => (c.hostOtherCores ?? 0) > 0.25) ? '  <- other processes competed with the guest: expect noise' : ''));
    }

    let fidelity: FidelityResult | null = null;
    let serviceFidelity: ServiceFidelity | null = null;
    if (!values['no-sim']) {
      if (scenario === 'probe') {
        fidelity = await probeFidelity(run, dir, s);
        if (fidelity) {
          console.log('');
          printProbeFidelity(run, fidelity);
        }
      } else {
        serviceFidelity = await runServiceFidelity({
          cli: CLI,
          measuredEdfP99Ns: s.schedulers['slo-edf']?.ls_p99_ns ?? null,
          measuredDefaultP99Ns: s.schedulers.default?.ls_p99_ns ?? null,
          measuredEdfWithinBudget: s.schedulers['slo-edf']?.ls_within_budget ?? null,
          durationMs: run.config.probeSeconds * 1000,
        });
        console.log('');
        for (const l of serviceFidelityLines(serviceFidelity)) console.log(l);
      }
    }

    const chartFile = join(dir, `head-to-head-${scenario}.svg`);
    writeFileSync(chartFile, chartSvg(s, `scx-slo head-to-head (${scenario}): ${run.cpus}-vCPU QEMU TCG guest, kernel ${run.kernel}, ${run.config.rounds} ` +
      `rounds x ${run.config.probeSeconds} s`));
    charts.push(chartFile);
    for (const g of s.goals) verdicts.push(`${scenario}: ${g.goal}: ${g.measured} -> ${g.met === null ? 'NOT MEASURED' : g.met ? 'MET' : 'NOT MET'}`);

    const notes = s.order.flatMap((n) => s.schedulers[n]!.notes.map((x) => `${n}: ${x}`));
    for (const c of s.invalid.filter((x) => s.lost.includes(x.scheduler))) notes.push(`${c.scheduler}: round ${c.round}: cell left out: ${c.reason}`);
    if (s.invalid.length > 0) {
      console.log(`WARNING (${scenario}): ${s.invalid.length} cell(s) left out because the scheduler under test did not stay in place (see notes)` +
        (s.lost.length > 0 ? `; no valid cell at all for: ${s.lost.join(', ')}` : ''));
    }
    if (notes.length > 0) {
      console.log('notes:');
      for (const n of notes.slice(0, 20)) console.log(`  ${n}`);
    }

    scenarios[scenario] = {
      schedulers: Object.fromEntries(s.order.map((n) => [n, rowFigures(s, n)])),
      goals: s.goals,
      layout: s.layout,
      deadline_delay_ns: s.deadlineDelayNs,
      budget_ns: s.budgetNs,
      details: s.schedulers,
      traced_wake_to_run: Object.fromEntries(wake),
      left_out_cells: s.invalid,
      per_cell: s.cells.map((c) => ({
        round: c.round, scheduler: c.scheduler, samples: c.samples, overflows: c.overflows, max_ns: c.maxNs, probe_sched_other: c.probePolicyOk,
        ...c.metrics, ratio_to_default: c.ratios, dispatch_shares: c.shares, kernel_ls_miss_rate: c.kernelLsMissRate, counters: c.counters,
        lag_histogram_log2_us: c.lagHistogram, guest_cpu_s: c.cpu, host_other_cores: c.hostOtherCores, host_qemu_cores: c.hostQemuCores,
        agent_loop: c.loop, agent_loop_figures: c.agentLoop, agent_threads: c.agentThreads, notes: c.notes,
      })),
      idle: s.idle ? { ...s.idle.metrics, samples: s.idle.samples, max_ns: s.idle.maxNs } : null,
      fidelity: scenario === 'probe' ? fidelity : serviceFidelity,
      chart: chartFile,
    };
  }
  if (Object.keys(scenarios).length === 0) throw new Error(`${rawFile} holds no measured cell`);

  const summaryFile = join(dir, 'summary.json');
  const doc = {
    format: 'scx-slo-demo-summary',
    version: 2,
    note: EMULATION_NOTE,
    machine: { kernel: run.kernel, cpus: run.cpus, emulation: 'QEMU TCG', host: values['host-note'] ?? null },
    measured_build: version,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    config: run.config,
    targets: { p99_ratio_max: TARGETS.p99RatioMax, batch_ratio_min: TARGETS.batchRatioMin, within_budget_min: TARGETS.withinBudgetMin },
    scenarios,
    files: { raw: rawFile, charts, traces: traces.map((t) => join(dir, t.file)) },
  };
  writeFileSync(summaryFile, `${JSON.stringify(doc, null, 2)}\n`);

  console.log('');
  console.log(EMULATION_NOTE);
  if (values['host-note']) console.log(values['host-note']);
  if (version) console.log(`measured: ${version.join('; ')}`);
  console.log('');
  console.log('goals (scx-slo edf):');
  for (const v of verdicts) console.log(`  ${v}`);
  console.log('');
  for (const c of charts) console.log(`chart: ${c}`);
  console.log(`json:  ${summaryFile}`);
  void METRICS;
}

main().catch((err: unknown) => {
  console.error(`demo report: error: ${(err as Error).message}`);
  process.exit(1);
});
