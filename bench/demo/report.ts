// The head-to-head's reporting half: reads raw.json from a results directory (written
// by guest-run.ts), prints the table, writes summary.json and head-to-head.svg next to
// it, and compares the measured result with the simulator's replay of the recorded
// trace (fidelity.ts). Runs on the host (native speed), after the guest is done.
//
//   node dist/bench/demo/report.js --dir bench/results/demo-... [--host-note TEXT]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatNs } from '../../sim/format-duration.js';
import { chartSvg } from './chart-svg.js';
import { agentCpuArgs, agentCpuPerRecord, runFidelity, type FidelityResult } from './fidelity.js';
import { parseHostCpu } from './host-cpu.js';
import { parseCyclictestHistogram } from './probe-output.js';
import { EMULATION_NOTE } from './notes.js';
import type { RawRun } from './raw-results.js';
import { percentile } from './stats.js';
import { METRICS, summarize, TARGETS, type Summary } from './summarize.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(HERE, '..', '..', 'cli', 'main.js');

const pct = (f: number | null | undefined, digits = 1): string => (f === null || f === undefined || !Number.isFinite(f) ? '-' : `${(100 * f).toFixed(digits)}%`);
const rat = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const rng = (r: { min: number; max: number } | null | undefined, f: (v: number) => string): string => (r ? `${f(r.min)}..${f(r.max)}` : '-');

function table(rows: string[][], header: string[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function resultsTable(s: Summary): string {
  const rows = s.order.map((name) => {
    const x = s.schedulers[name]!;
    const sh = x.dispatch_shares;
    return [
      x.label,
      String(x.repetitions),
      formatNs(x.ls_p50_ns),
      formatNs(x.ls_p99_ns),
      formatNs(x.ls_p999_ns),
      pct(x.miss_rate),
      x.batch_ops === null ? '-' : String(Math.round(x.batch_ops)),
      `${rat(x.ratio_to_default.ls_p99_ns)} (${rng(x.spread.ratio_to_default.ls_p99_ns, rat)})`,
      `${rat(x.ratio_to_default.batch_ops)} (${rng(x.spread.ratio_to_default.batch_ops, rat)})`,
      `${rat(x.ratio_to_default.miss_rate)}`,
      sh ? `${pct(sh.userspace, 0)} / ${pct(sh.fallback, 0)} / ${pct(sh.direct, 0)}` : '-',
    ];
  });
  return table(rows, ['scheduler', 'n', 'p50', 'p99', 'p99.9', 'miss', 'batch ops', 'p99 vs default (range)', 'batch vs default (range)', 'miss vs def', 'user/fallback/direct']);
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
  const s = summarize(run, host);
  const versionFile = join(dir, 'snapshot', 'VERSION');
  const version = existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim().split('\n') : null;
  if (s.order.length === 0) throw new Error(`${rawFile} holds no measured cell`);

  // Simulator fidelity.
  let fidelity: FidelityResult | null = null;
  const edf = s.schedulers['slo-edf'];
  const def = s.schedulers.default;
  if (!values['no-sim'] && run.trace && existsSync(join(dir, run.trace.file))) {
    console.log('demo: replaying the recorded trace in the simulator (edf, fair, eevdf) ...');
    const lagNs = edf?.decision_lag_p50_ns ?? null;
    const tracedProbe = run.trace.probe ? percentile(parseCyclictestHistogram(run.trace.probe.histogramText, run.trace.probe.rangeUs), 0.99) : undefined;
    const liveArgs = ['--urgent-below-us', String(run.config.lagMs * 1000), ...(lagNs ? ['--agent-lag-us', String(Math.round(lagNs / 1000))] : [])];
    // The agent as a CPU consumer: its cost per record from the CPU accounting of the cells
    // run like the traced scx-slo cell (worker or inline), its deadline the lag bound.
    const agentCpu = run.traceSlo?.scheduler ? agentCpuPerRecord(run.cells, run.traceSlo.scheduler) : null;
    const agentArgs = agentCpu ? agentCpuArgs(agentCpu, run.config.lagMs) : null;
    const tickUs = kernelTickUs(join(dir, 'kernel-config'));
    const agentNote = agentCpu ? `the agent as a CPU consumer: ${fmtUs(agentCpu.nsPerRecord)} per record (${run.traceSlo?.scheduler} cells' agent CPU / records to userspace), deadline now + ${run.config.lagMs} ms` : '';
    fidelity = await runFidelity({
      cli: CLI,
      traceFile: join(dir, run.trace.file),
      rewrittenFile: join(dir, 'trace-default.sim-input.txt'),
      probePid: run.trace.probePid,
      slos: run.config.slos,
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
          description: `the live run's settings: direct below the lag bound (${run.config.lagMs} ms, as the agent's 'auto'), agent lag = the measured median decision lag of the edf cells (${fmtUs(lagNs)})`,
          args: liveArgs,
        },
        ...(tickUs !== null ? [{
          name: 'sim defaults, kernel tick',
          description: `the sim defaults with the measured kernel's tick (CONFIG_HZ=${Math.round(1e6 / tickUs)}: --tick-us ${tickUs}; the sim's default is 1 ms)`,
          args: ['--tick-us', String(tickUs)],
        }] : []),
        { name: 'sim defaults, eevdf flat', description: 'the sim defaults with the eevdf baseline without cgroups (--eevdf-flat: every task on its CPU\'s root runqueue), the model before the cgroup hierarchy', args: ['--eevdf-flat'] },
        ...(agentArgs ? [
          { name: 'sim defaults + agent CPU', description: `the sim defaults; ${agentNote}`, args: agentArgs },
          { name: 'live settings + agent CPU', description: `the live run's settings; ${agentNote}`, args: [...liveArgs, ...agentArgs] },
        ] : []),
      ],
      calibrate: ['sim defaults', 'live settings', 'sim defaults, kernel tick', 'sim defaults, eevdf flat', 'sim defaults + agent CPU', 'live settings + agent CPU'],
      agentCpu,
    });
  }

  const chartFile = join(dir, 'head-to-head.svg');
  writeFileSync(chartFile, chartSvg(s, `scx-slo head-to-head: ${run.cpus}-vCPU QEMU TCG guest, kernel ${run.kernel}, ${run.config.rounds} rounds x ${run.config.probeSeconds} s`));

  const summaryFile = join(dir, 'summary.json');
  const doc = {
    format: 'scx-slo-demo-summary',
    version: 1,
    note: EMULATION_NOTE,
    machine: { kernel: run.kernel, cpus: run.cpus, emulation: 'QEMU TCG', host: values['host-note'] ?? null },
    measured_build: version,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    config: run.config,
    deadline_delay_ns: s.deadlineDelayNs,
    targets: { p99_ratio_max: TARGETS.p99RatioMax, batch_ratio_min: TARGETS.batchRatioMin },
    verdict: s.edfVerdict,
    schedulers: s.schedulers,
    left_out_cells: s.invalid,
    per_cell: s.cells.map((c) => ({
      round: c.round, scheduler: c.scheduler, samples: c.samples, overflows: c.overflows, max_ns: c.maxNs, probe_sched_other: c.probePolicyOk,
      ...c.metrics, ratio_to_default: c.ratios, dispatch_shares: c.shares, kernel_ls_miss_rate: c.kernelLsMissRate, counters: c.counters,
      lag_histogram_log2_us: c.lagHistogram, guest_cpu_s: c.cpu, host_other_cores: c.hostOtherCores, host_qemu_cores: c.hostQemuCores, notes: c.notes,
    })),
    idle_probe: s.idle ? { ...s.idle.metrics, samples: s.idle.samples, max_ns: s.idle.maxNs } : null,
    fidelity,
    files: { raw: rawFile, chart: chartFile, trace: run.trace ? join(dir, run.trace.file) : null },
  };
  writeFileSync(summaryFile, `${JSON.stringify(doc, null, 2)}\n`);

  // The terminal report.
  console.log('');
  console.log(`scx-slo head-to-head: kernel ${run.kernel}, ${run.cpus} vCPUs (QEMU TCG), ${run.config.rounds} rounds interleaved, ${run.config.probeSeconds} s per cell`);
  console.log(`ls: cyclictest -p 0 --policy=other -i ${run.config.probeIntervalUs} (SLO ${run.config.slos['ls']!.budgetMs} ms / importance ${run.config.slos['ls']!.importance}: deadline ${formatNs(s.deadlineDelayNs)}); ` +
    `batch: stress-ng --cpu ${run.config.stressors} --cpu-method ${run.config.stressMethod} (SLO ${run.config.slos['batch']!.budgetMs} ms / ${run.config.slos['batch']!.importance}); agent lag bound ${run.config.lagMs} ms`);
  console.log('medians over rounds; ranges are min..max of the per-round ratios; miss = probe wake-ups later than the deadline');
  console.log('');
  console.log(resultsTable(s));
  console.log('');
  if (s.idle) console.log(`probe alone (no batch, default scheduler): p50 ${formatNs(s.idle.metrics.ls_p50_ns)}, p99 ${formatNs(s.idle.metrics.ls_p99_ns)}: the emulated machine's wake-up floor`);
  const cores = (v: number | null): string => (v === null ? '-' : v.toFixed(2));
  console.log('guest CPU use during the probe (CPUs, medians): ' + s.order.map((n) => {
    const g = s.schedulers[n]!.guest_cpu;
    return `${n}: batch ${cores(g.batch)}, ls ${cores(g.ls)}${g.agent !== null ? `, agent ${cores(g.agent)}` : ''}, idle ${cores(g.idle)}`;
  }).join('; '));
  if (host) {
    console.log('host CPUs taken by other host processes during the cells (medians): ' + s.order.map((n) => `${n} ${cores(s.schedulers[n]!.host_other_cores)}`).join(', ') +
      (s.cells.some((c) => (c.hostOtherCores ?? 0) > 0.25) ? '  <- other processes competed with the guest: expect noise' : ''));
  }
  for (const name of s.order) {
    const x = s.schedulers[name]!;
    if (x.decision_lag_p50_ns !== null) {
      console.log(`${x.label}: userspace decision lag p50 ~${formatNs(x.decision_lag_p50_ns)}, p90 ~${formatNs(x.decision_lag_p90_ns)}; ` +
        `of the tasks handed to userspace ${pct(x.dispatch_shares?.decided_in_time)} ran by its decision (the rest the kernel ran first: lag bound passed, or a CPU would have idled); kernel-counted ls miss rate ${pct(x.kernel_ls_miss_rate)}`);
    }
  }
  if (s.edfVerdict) {
    const v = s.edfVerdict;
    console.log(`target (scx-slo edf vs default): p99 <= 1/3 -> ${rat(v.p99Ratio)} ${v.p99Ok ? 'MET' : 'NOT MET'}; batch >= 0.90 -> ${rat(v.batchRatio)} ${v.batchOk ? 'MET' : 'NOT MET'}`);
  }
  if (fidelity) {
    console.log('');
    console.log(`simulator fidelity (trace of a default cell, ${run.trace?.seconds} s; sim eevdf models the kernel default, edf/fair is the old comparison):`);
    console.log(fidelityTable(fidelity));
    const cal = fidelity.calibration;
    if (cal) {
      console.log(`calibrated wake-up costs (from the probe's p50 wake-to-run in the traced cells, minus the ${fmtUs(cal.contextSwitchNs)} switch): ` +
        `scx-slo ${cal.wakeupUs} us (p50 ${fmtUs(cal.sloP50Ns)}), default ${cal.baselineWakeupUs} us (p50 ${fmtUs(cal.defaultP50Ns)})`);
    }
    const ac = fidelity.agentCpu;
    if (ac) {
      console.log(`agent CPU per record (agent CPU / records to userspace over ${ac.cells} ${ac.scheduler} cells, ${ac.agentS.toFixed(1)} s / ${ac.records}): ${fmtUs(ac.nsPerRecord)}`);
    }
    console.log(`probe p99 in the traced default cell: cyclictest ${fmtUs(fidelity.tracedCellProbeP99Ns)}, wake-to-run from the trace ${fmtUs(fidelity.recordedProbe?.p99 ?? null)}; ` +
      `replayed under sim eevdf: ${fmtUs(fidelity.variants[0]?.eevdf?.p99 ?? null)}, sim fair: ${fmtUs(fidelity.variants[0]?.fair?.p99 ?? null)}`);
    if (fidelity.recordedSloProbe) {
      console.log(`probe wake-to-run p99 from the traces: scx-slo edf ${fmtUs(fidelity.recordedSloProbe.p99)}, default ${fmtUs(fidelity.recordedProbe?.p99 ?? null)}: ` +
        `ratio ${rat(fidelity.recordedRatio)}; replayed under sim edf: ${fmtUs(fidelity.variants[0]?.edf?.p99 ?? null)}`);
    }
  }
  const notes = s.order.flatMap((n) => s.schedulers[n]!.notes.map((x) => `${n}: ${x}`));
  for (const c of s.invalid.filter((x) => s.lost.includes(x.scheduler))) notes.push(`${c.scheduler}: round ${c.round}: cell left out: ${c.reason}`);
  if (s.invalid.length > 0) {
    console.log('');
    console.log(`WARNING: ${s.invalid.length} cell(s) left out because the scheduler under test did not stay in place (see notes)` +
      (s.lost.length > 0 ? `; no valid cell at all for: ${s.lost.join(', ')}` : ''));
  }
  if (notes.length > 0) {
    console.log('');
    console.log('notes:');
    for (const n of notes.slice(0, 20)) console.log(`  ${n}`);
  }
  console.log('');
  console.log(EMULATION_NOTE);
  if (values['host-note']) console.log(values['host-note']);
  if (version) console.log(`measured: ${version.join('; ')}`);
  console.log('');
  console.log(`chart: ${chartFile}`);
  console.log(`json:  ${summaryFile}`);
  void METRICS;
}

main().catch((err: unknown) => {
  console.error(`demo report: error: ${(err as Error).message}`);
  process.exit(1);
});
