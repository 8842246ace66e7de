// From raw.json (raw-results.ts) to the head-to-head's summary of one scenario: per cell
// the latency-sensitive workload's p50/p99/p99.9 latency (the probe's wake-up latency,
// or the service's request latency from scheduled arrival to completion), the share
// within the SLO's budget, the deadline-miss rate (probe) and batch bogo ops; per
// scheduler their medians over the repetitions, ratios to the default scheduler, spread,
// and for scx-slo the share of dispatches made by userspace, by the in-kernel fallback
// and directly, the agent's delegation loop (rounds/s, records per busy round, CPU per
// round) and its busiest threads; and the scenario's goals, each MET or NOT MET.
import { parseCyclictestHistogram, parseCyclictestSummary, parseStressNgMetrics, type ProbeHistogram } from './probe-output.js';
import { deadlineDelayNs, rowLabel, scenarioOf, SCHEDULERS, type RawCell, type RawRun, type SchedulerName } from './raw-results.js';
import { scenarioLayout, type ScenarioLayout, type ScenarioName } from './scenarios.js';
import { parseServiceOutput, serviceHistogram } from './service-output.js';
import { hostUsage, type HostCpu } from './host-cpu.js';
import { fractionAbove, histogramTotal, median, percentile, ratio, spread } from './stats.js';
import { topThreadShares, type ThreadCpu, type ThreadShare } from './thread-cpu.js';

/** The agent threads listed per row in summary.json (the console prints the first 3). */
export const TOP_AGENT_THREADS = 8;

export const METRICS = ['ls_p50_ns', 'ls_p99_ns', 'ls_p999_ns', 'ls_within_budget', 'miss_rate', 'batch_ops'] as const;
export type Metric = (typeof METRICS)[number];

/** The issue's targets for scx-slo edf against the default scheduler. */
export const TARGETS = { p99RatioMax: 1 / 3, batchRatioMin: 0.9, withinBudgetMin: 0.99 };

/** One goal of a scenario: MET (true), NOT MET (false) or not measured (null: a row is missing). */
export interface Goal {
  goal: string;
  met: boolean | null;
  /** The measured figures behind it. */
  measured: string;
}

export interface DispatchShares {
  userspace: number;
  /** Of the tasks handed to userspace, the share that ran by its decision (not taken back by a kernel fallback); null: none handed over. */
  decidedInTime: number | null;
  fallback: number;
  direct: number;
  /** Denominator: user_dispatched + direct + every fallback_* counter. */
  dispatches: number;
}

/**
 * The agent's delegation loop over one cell. Rates are over the loop counters' own window
 * (the two status answers); CPU per round is the agent's CPU rate over the probe
 * (cpu.agentS / cpu.wallS, the same measure as guest_cpu.agent) over the round rate, so
 * the two windows need not match.
 */
export interface AgentLoopFigures {
  roundsPerS: number;
  busyRoundsPerS: number;
  /** null: no busy round. */
  recordsPerBusyRound: number | null;
  /** Agent CPU per round (idle rounds included), us; null: no agent CPU figure or no round. */
  cpuUsPerRound: number | null;
}

export function agentLoopFigures(cell: Pick<RawCell, 'loop' | 'cpu' | 'countersNote'>): AgentLoopFigures | null {
  const l = cell.loop;
  // Counters noted as covering more than the probe (slo-fallback: the agent SIGSTOPped throughout it) say nothing of its loop.
  if (!l || !(l.wallS > 0) || cell.countersNote !== undefined) return null;
  const roundsPerS = l.rounds / l.wallS;
  const cpu = cell.cpu;
  const agentRate = cpu && cpu.agentS !== null && cpu.wallS > 0 ? cpu.agentS / cpu.wallS : null;
  return {
    roundsPerS,
    busyRoundsPerS: l.busyRounds / l.wallS,
    recordsPerBusyRound: l.busyRounds > 0 ? l.records / l.busyRounds : null,
    cpuUsPerRound: agentRate !== null && roundsPerS > 0 ? (agentRate / roundsPerS) * 1e6 : null,
  };
}

export interface CellResult {
  round: number;
  scheduler: SchedulerName;
  samples: number;
  /** Samples beyond the histogram range (their percentiles use the probe's max). */
  overflows: number;
  maxNs: number | null;
  probePolicyOk: boolean;
  metrics: Record<Metric, number | null>;
  /** This cell / the same round's default cell. */
  ratios: Record<Metric, number | null> | null;
  shares: DispatchShares | null;
  /** The kernel's own count for the ls cgroup: first runs after the deadline / runs. */
  kernelLsMissRate: number | null;
  counters: Record<string, number> | null;
  lagHistogram: number[] | null;
  /** Guest CPU time over the probe (s): batch and ls cgroups, the agent, idle. */
  cpu: RawCell['cpu'] | null;
  /** scx-slo: the delegation loop's counters over the cell and their figures (null: not recorded). */
  loop: RawCell['loop'] | null;
  agentLoop: AgentLoopFigures | null;
  /** scx-slo: the agent's threads' CPU over the probe, most first (null: not recorded). */
  agentThreads: ThreadCpu[] | null;
  /** service: the ls cgroup's CPU time per completed request, ns (the demand as the guest accounts it). */
  lsCpuPerRequestNs: number | null;
  /** Host CPUs taken by other host processes during the probe (guest runs only). */
  hostOtherCores: number | null;
  hostQemuCores: number | null;
  notes: string[];
  histogram: ProbeHistogram | null;
}

type Range = { min: number; max: number } | null;

export interface SchedulerSummary {
  label: string;
  repetitions: number;
  ls_p50_ns: number | null;
  ls_p99_ns: number | null;
  ls_p999_ns: number | null;
  /** Share of requests (service) or wake-ups (probe) within the ls SLO's budget. */
  ls_within_budget: number | null;
  /** probe: share of wake-ups later than the ls deadline delay; service: null. */
  miss_rate: number | null;
  batch_ops: number | null;
  /** Median of this scheduler / median of the default scheduler. */
  ratio_to_default: Record<Metric, number | null>;
  /** Over the repetitions: min..max of each metric and of the per-round ratio to default. */
  spread: Record<Metric, Range> & { ratio_to_default: Record<Metric, Range> };
  /** scx-slo only: medians over the cells of the dispatch shares, with their spread. */
  dispatch_shares: { userspace: number | null; fallback: number | null; direct: number | null; decided_in_time: number | null;
    spread: Record<'userspace' | 'fallback' | 'direct', Range> } | null;
  /** scx-slo only: the kernel's deadline-miss rate for the ls cgroup (median over cells). */
  kernel_ls_miss_rate: number | null;
  /** scx-slo only: median of the decision lag (enqueue to userspace decision applied), ns. */
  decision_lag_p50_ns: number | null;
  decision_lag_p90_ns: number | null;
  /** Medians over the cells of the guest's CPU use during the probe, in CPUs (s per s). */
  guest_cpu: { batch: number | null; ls: number | null; agent: number | null; idle: number | null };
  /** Median host CPUs taken by other host processes during the cells (null: not sampled). */
  host_other_cores: number | null;
  /** service: median of the ls cgroup's CPU time per completed request, ns. */
  ls_cpu_per_request_ns: number | null;
  /** scx-slo only: the delegation loop, medians over the cells of AgentLoopFigures (null: not recorded). */
  agent_loop: { rounds_per_s: number | null; busy_rounds_per_s: number | null; records_per_busy_round: number | null;
    cpu_us_per_round: number | null } | null;
  /**
   * scx-slo only: the agent's busiest threads in the row's median cell by agent CPU (the
   * lower median for an even count), as shares of that cell's wall time; every cell's full
   * list is in per_cell. Null: not recorded.
   */
  agent_threads: { round: number; threads: ThreadShare[] } | null;
  notes: string[];
}

/** Every fallback_* counter (lag, ringfull, stalled, and any the BPF side adds, e.g. idle). */
const fallbackKeys = (c: Record<string, number>): string[] => Object.keys(c).filter((k) => k.startsWith('fallback_'));

export function dispatchShares(c: Record<string, number> | undefined): DispatchShares | null {
  if (!c) return null;
  const fallback = fallbackKeys(c).reduce((s, k) => s + (c[k] ?? 0), 0);
  const user = c['user_dispatched'] ?? 0;
  const direct = c['direct'] ?? 0;
  const dispatches = user + direct + fallback;
  if (dispatches <= 0) return null;
  // Handed to userspace, then decided there or taken back by the kernel (stalled tasks never were handed over).
  const handed = user + fallback - (c['fallback_stalled'] ?? 0);
  return {
    userspace: user / dispatches,
    decidedInTime: handed > 0 ? user / handed : null,
    direct: direct / dispatches,
    fallback: fallback / dispatches,
    dispatches,
  };
}

/**
 * Quantile of the kernel's decision-lag histogram (bucket b counts lags of
 * [2^(b-1), 2^b) us; bucket 0 is < 1 us): the bucket's geometric middle, ns.
 */
export function lagQuantileNs(hist: readonly number[] | null | undefined, q: number): number | null {
  if (!hist) return null;
  const total = hist.reduce((s, v) => s + v, 0);
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let b = 0; b < hist.length; b++) {
    seen += hist[b]!;
    if (seen >= rank) return b === 0 ? 500 : Math.round(1000 * Math.SQRT2 * 2 ** (b - 1));
  }
  return null;
}

export function sumHistograms(hs: ReadonlyArray<readonly number[] | null | undefined>): number[] | null {
  let out: number[] | null = null;
  for (const h of hs) {
    if (!h) continue;
    out ??= new Array<number>(h.length).fill(0);
    h.forEach((v, i) => (out![i] = (out![i] ?? 0) + v));
  }
  return out;
}

/** The scenario's layout as the run recorded it (version 1 files: the probe's, as then). */
export function runLayout(run: RawRun, scenario: ScenarioName): ScenarioLayout {
  const recorded = run.config.scenarios?.find((l) => l.name === scenario);
  if (recorded) return recorded;
  const l = scenarioLayout(scenario);
  if (scenario === 'probe' && run.config.slos['ls'] && run.config.slos['batch']) {
    return { ...l, ls: { ...l.ls, slo: run.config.slos['ls'] }, batch: { ...l.batch, slo: run.config.slos['batch'] } };
  }
  return l;
}

/** The latency-sensitive workload's latencies in a cell as a 1 us histogram, or null. */
function lsHistogram(cell: RawCell, notes: string[]): ProbeHistogram | null {
  if (scenarioOf(cell) === 'service') {
    try {
      const o = parseServiceOutput(cell.serviceText ?? '');
      if (!o) return null;
      if (o.unfinished > 0) notes.push(`${o.unfinished} of ${o.scheduled} requests unfinished at the end (counted beyond every latency)`);
      return serviceHistogram(o);
    } catch (err) {
      notes.push((err as Error).message);
      return null;
    }
  }
  return cell.probe ? parseCyclictestHistogram(cell.probe.histogramText, cell.probe.rangeUs) : null;
}

export function cellResult(run: RawRun, cell: RawCell, host?: HostCpu | null): CellResult {
  const notes = [...cell.notes];
  const layout = runLayout(run, scenarioOf(cell));
  const service = layout.name === 'service';
  const delay = deadlineDelayNs(layout.ls.slo);
  const budgetNs = layout.ls.slo.budgetMs * 1e6;
  const h = lsHistogram(cell, notes);
  const summary = cell.probe ? parseCyclictestSummary(cell.probe.summaryLine) : undefined;
  const samples = h ? histogramTotal(h) : 0;
  const p = (q: number): number | null => (h && samples > 0 ? (percentile(h, q)?.ns ?? null) : null);
  const batch = parseStressNgMetrics(cell.batchText ?? '');
  if (h && h.overflows > 0 && !service) notes.push(`${h.overflows} probe samples beyond the ${h.rangeUs / 1000} ms histogram (percentiles there use ` +
    `the max, ${h.maxUs} us)`);
  const ls = cell.cgroups?.[layout.ls.path] ?? cell.cgroups?.['ls'];
  const start = Date.parse(cell.startedAt);
  const end = cell.endedAt ? Date.parse(cell.endedAt) : start + cell.probeSeconds * 1000;
  const usage = host && Number.isFinite(start) ? hostUsage(host, start, end) : null;
  return {
    round: cell.round,
    scheduler: cell.scheduler,
    samples,
    overflows: h?.overflows ?? 0,
    maxNs: h && Number.isFinite(h.maxUs) ? h.maxUs * 1000 : null,
    probePolicyOk: service || summary?.priority === 0,
    metrics: {
      ls_p50_ns: p(0.5),
      ls_p99_ns: p(0.99),
      ls_p999_ns: p(0.999),
      ls_within_budget: h && samples > 0 ? 1 - (fractionAbove(h, budgetNs) ?? 1) : null,
      miss_rate: !service && h && samples > 0 ? (fractionAbove(h, delay) ?? null) : null,
      batch_ops: batch ? batch.bogoOps : null,
    },
    ratios: null,
    shares: dispatchShares(cell.counters),
    kernelLsMissRate: ls && ls.runs > 0 ? ls.misses / ls.runs : null,
    counters: cell.counters ?? null,
    lagHistogram: cell.lagHistogram ?? null,
    cpu: cell.cpu ?? null,
    loop: cell.loop ?? null,
    agentLoop: agentLoopFigures(cell),
    agentThreads: cell.agentThreads ?? null,
    lsCpuPerRequestNs: service && cell.cpu && h ? (() => {
      const done = h.buckets.reduce((n, [, c]) => n + c, 0);
      return done > 0 ? Math.round((cell.cpu.lsS * 1e9) / done) : null;
    })() : null,
    hostOtherCores: usage?.otherCores ?? null,
    hostQemuCores: usage?.qemuCores ?? null,
    notes,
    histogram: h,
  };
}

/** The median cell's (by agent CPU rate; the lower median) busiest agent threads, or null when no cell has them. */
function medianThreads(cells: readonly CellResult[]): SchedulerSummary['agent_threads'] {
  const ranked: Array<{ round: number; threads: ThreadCpu[]; wallS: number; rate: number }> = [];
  for (const c of cells) {
    if (!c.agentThreads || !c.cpu || !(c.cpu.wallS > 0)) continue;
    const agentS = c.cpu.agentS ?? c.agentThreads.reduce((t, x) => t + x.cpuSeconds, 0);
    ranked.push({ round: c.round, threads: c.agentThreads, wallS: c.cpu.wallS, rate: agentS / c.cpu.wallS });
  }
  if (ranked.length === 0) return null;
  ranked.sort((a, b) => a.rate - b.rate || a.round - b.round);
  const m = ranked[(ranked.length - 1) >> 1]!;
  return { round: m.round, threads: topThreadShares(m.threads, m.wallS, TOP_AGENT_THREADS) };
}

export interface Summary {
  scenario: ScenarioName;
  layout: ScenarioLayout;
  cells: CellResult[];
  schedulers: Partial<Record<SchedulerName, SchedulerSummary>>;
  order: SchedulerName[];
  /** Cells left out because the scheduler under test was not in place throughout. */
  invalid: Array<{ round: number; scheduler: SchedulerName; reason: string }>;
  /** Schedulers with no valid cell at all. */
  lost: SchedulerName[];
  deadlineDelayNs: number;
  /** The ls SLO's budget, ns: the within-budget line. */
  budgetNs: number;
  idle: CellResult | null;
  edfVerdict: { p99Ratio: number | null; batchRatio: number | null; p99Ok: boolean; batchOk: boolean } | null;
  /** The scenario's goals for scx-slo edf, in order. */
  goals: Goal[];
}

/** The scenarios a run measured, in order (version 1 files: probe). */
export function runScenarios(run: RawRun): ScenarioName[] {
  if (run.config.scenarios) return run.config.scenarios.map((l) => l.name);
  return ['probe'];
}

export function summarize(run: RawRun, host?: HostCpu | null, scenario: ScenarioName = runScenarios(run)[0]!): Summary {
  const layout = runLayout(run, scenario);
  const mineOnly = run.cells.filter((c) => scenarioOf(c) === scenario);
  const invalid = mineOnly.filter((c) => c.invalid);
  const cells = mineOnly.filter((c) => !c.invalid).map((c) => cellResult(run, c, host));
  // Pair each cell with the default cell of its round.
  for (const c of cells) {
    const base = cells.find((d) => d.scheduler === 'default' && d.round === c.round);
    if (!base) continue;
    c.ratios = Object.fromEntries(METRICS.map((m) => [m, ratio(c.metrics[m], base.metrics[m])])) as Record<Metric, number | null>;
  }
  const order = run.config.schedulers.filter((s) => cells.some((c) => c.scheduler === s));
  const lost = run.config.schedulers.filter((s) => !order.includes(s) && invalid.some((c) => c.scheduler === s));
  const schedulers: Summary['schedulers'] = {};
  for (const s of order) {
    const mine = cells.filter((c) => c.scheduler === s);
    const med = (m: Metric): number | null => median(mine.map((c) => c.metrics[m] ?? Number.NaN));
    const notes = [...new Set(mine.flatMap((c) => c.notes.map((n) => `round ${c.round}: ${n}`)))];
    for (const c of invalid.filter((x) => x.scheduler === s)) notes.push(`round ${c.round}: cell left out: ${c.invalid}`);
    if (mine.some((c) => !c.probePolicyOk)) notes.push('the probe did not run as SCHED_OTHER priority 0 in every cell');
    const shares = mine.map((c) => c.shares).filter((x): x is DispatchShares => x !== null);
    const lag = sumHistograms(mine.map((c) => c.lagHistogram));
    const loops = mine.map((c) => c.agentLoop).filter((x): x is AgentLoopFigures => x !== null);
    schedulers[s] = {
      label: rowLabel(run.config, s),
      repetitions: mine.length,
      ls_p50_ns: med('ls_p50_ns'),
      ls_p99_ns: med('ls_p99_ns'),
      ls_p999_ns: med('ls_p999_ns'),
      ls_within_budget: med('ls_within_budget'),
      miss_rate: med('miss_rate'),
      batch_ops: med('batch_ops'),
      ratio_to_default: {} as Record<Metric, number | null>,
      spread: {
        ...(Object.fromEntries(METRICS.map((m) => [m, spread(mine.map((c) => c.metrics[m] ?? Number.NaN))])) as Record<Metric, Range>),
        ratio_to_default: Object.fromEntries(METRICS.map((m) => [m, spread(mine.map((c) => c.ratios?.[m] ?? Number.NaN))])) as Record<Metric, Range>,
      },
      dispatch_shares: SCHEDULERS[s].slo && shares.length > 0
        ? {
            userspace: median(shares.map((x) => x.userspace)),
            fallback: median(shares.map((x) => x.fallback)),
            direct: median(shares.map((x) => x.direct)),
            decided_in_time: median(shares.map((x) => x.decidedInTime ?? Number.NaN)),
            spread: { userspace: spread(shares.map((x) => x.userspace)), fallback: spread(shares.map((x) => x.fallback)),
              direct: spread(shares.map((x) => x.direct)) },
          }
        : null,
      kernel_ls_miss_rate: SCHEDULERS[s].slo ? median(mine.map((c) => c.kernelLsMissRate ?? Number.NaN)) : null,
      decision_lag_p50_ns: SCHEDULERS[s].slo ? lagQuantileNs(lag, 0.5) : null,
      decision_lag_p90_ns: SCHEDULERS[s].slo ? lagQuantileNs(lag, 0.9) : null,
      guest_cpu: {
        batch: median(mine.map((c) => (c.cpu ? c.cpu.batchS / c.cpu.wallS : Number.NaN))),
        ls: median(mine.map((c) => (c.cpu ? c.cpu.lsS / c.cpu.wallS : Number.NaN))),
        agent: median(mine.map((c) => (c.cpu && c.cpu.agentS !== null ? c.cpu.agentS / c.cpu.wallS : Number.NaN))),
        idle: median(mine.map((c) => (c.cpu ? c.cpu.idleS / c.cpu.wallS : Number.NaN))),
      },
      host_other_cores: median(mine.map((c) => c.hostOtherCores ?? Number.NaN)),
      ls_cpu_per_request_ns: median(mine.map((c) => c.lsCpuPerRequestNs ?? Number.NaN)),
      agent_loop: SCHEDULERS[s].slo && loops.length > 0
        ? {
            rounds_per_s: median(loops.map((x) => x.roundsPerS)),
            busy_rounds_per_s: median(loops.map((x) => x.busyRoundsPerS)),
            records_per_busy_round: median(loops.map((x) => x.recordsPerBusyRound ?? Number.NaN)),
            cpu_us_per_round: median(loops.map((x) => x.cpuUsPerRound ?? Number.NaN)),
          }
        : null,
      agent_threads: SCHEDULERS[s].slo ? medianThreads(mine) : null,
      notes,
    };
  }
  const base = schedulers.default;
  for (const s of order) {
    const x = schedulers[s]!;
    x.ratio_to_default = Object.fromEntries(METRICS.map((m) => [m, ratio(x[m], base?.[m])])) as Record<Metric, number | null>;
  }
  const edf = schedulers['slo-edf'];
  const edfVerdict = edf && base
    ? {
        p99Ratio: edf.ratio_to_default.ls_p99_ns,
        batchRatio: edf.ratio_to_default.batch_ops,
        p99Ok: edf.ratio_to_default.ls_p99_ns !== null && edf.ratio_to_default.ls_p99_ns <= TARGETS.p99RatioMax,
        batchOk: edf.ratio_to_default.batch_ops !== null && edf.ratio_to_default.batch_ops >= TARGETS.batchRatioMin,
      }
    : null;
  const idleCell = run.idles?.find((c) => scenarioOf(c) === scenario) ?? (scenario === 'probe' ? run.idle : null);
  return {
    scenario,
    layout,
    cells,
    schedulers,
    order,
    invalid: invalid.map((c) => ({ round: c.round, scheduler: c.scheduler, reason: c.invalid! })),
    lost,
    deadlineDelayNs: deadlineDelayNs(layout.ls.slo),
    budgetNs: layout.ls.slo.budgetMs * 1e6,
    idle: idleCell ? cellResult(run, idleCell, host) : null,
    edfVerdict,
    goals: scenarioGoals(scenario, schedulers),
  };
}

const fmtRatio = (v: number | null): string => (v === null ? '-' : v.toFixed(2));
const fmtMs = (ns: number | null | undefined): string => (ns === null || ns === undefined ? '-' : `${(ns / 1e6).toFixed(2)} ms`);
const fmtPct = (f: number | null | undefined): string => (f === null || f === undefined ? '-' : `${(100 * f).toFixed(1)}%`);

/** A row's agent figures as summary.json holds them (absent from summaries made before they were recorded). */
export type AgentRowFigures = Partial<Pick<RowFigures, AgentFigureKey>>;

/**
 * One scx-slo row's agent: its delegation loop (medians) and its busiest threads in the
 * median round; null when neither was recorded. The console report and RESULTS.md both
 * print this line.
 */
export function agentLoopLine(name: string, x: AgentRowFigures, topThreads = 3): string | null {
  const th = x.agent_threads;
  const loop = x.agent_rounds_per_s !== null && x.agent_rounds_per_s !== undefined;
  if (!loop && !(th && th.threads.length > 0)) return null;
  const n = (v: number | null | undefined, d: number): string => (v === null || v === undefined ? '-' : v.toFixed(d));
  const parts: string[] = [];
  if (loop) {
    parts.push(`${n(x.agent_rounds_per_s, 0)} rounds/s (${n(x.agent_busy_rounds_per_s, 0)} busy), ${n(x.agent_records_per_busy_round, 1)} records ` +
      `per busy round, ${n(x.agent_cpu_us_per_round, 0)} us CPU per round`);
  }
  if (th) {
    parts.push(`threads (round ${th.round}): ${th.threads.slice(0, topThreads).map((t) => `${t.comm}/${t.tid} ${fmtPct(t.share)}`).join(', ') || '-'}`);
  }
  return `${name}: ${parts.join('; ')}`;
}

/**
 * The goals for scx-slo edf (never asserted in tests: the demo prints them). Both
 * scenarios: p99 at most 1/3 of the default's, batch at least 90% of the default's.
 * service also: at least 99% of requests within budget, p99 no worse than the
 * hand-tuned default, and a lower p99 than each of the kernel's example schedulers.
 */
export function scenarioGoals(scenario: ScenarioName, x: Partial<Record<SchedulerName, SchedulerSummary>>): Goal[] {
  const edf = x['slo-edf'];
  const def = x.default;
  const goals: Goal[] = [];
  const p99r = ratio(edf?.ls_p99_ns, def?.ls_p99_ns);
  goals.push({ goal: 'slo-edf p99 <= 1/3 of default', met: p99r === null ? null : p99r <= TARGETS.p99RatioMax,
    measured: `${fmtMs(edf?.ls_p99_ns)} / ${fmtMs(def?.ls_p99_ns)} = ${fmtRatio(p99r)}` });
  if (scenario === 'service') {
    const w = edf?.ls_within_budget ?? null;
    goals.push({ goal: `slo-edf >= ${TARGETS.withinBudgetMin * 100}% of requests within budget`,
      met: w === null ? null : w >= TARGETS.withinBudgetMin, measured: fmtPct(w) });
  }
  const br = ratio(edf?.batch_ops, def?.batch_ops);
  goals.push({ goal: 'slo-edf batch >= 90% of default', met: br === null ? null : br >= TARGETS.batchRatioMin,
    measured: `${edf?.batch_ops ?? '-'} / ${def?.batch_ops ?? '-'} = ${fmtRatio(br)}` });
  if (scenario === 'service') {
    const tuned = x['default-tuned'];
    const tr = ratio(edf?.ls_p99_ns, tuned?.ls_p99_ns);
    goals.push({ goal: 'slo-edf p99 <= default-tuned p99', met: tr === null ? null : tr <= 1, measured: `${fmtMs(edf?.ls_p99_ns)} vs ` +
      `${fmtMs(tuned?.ls_p99_ns)}` });
    for (const peer of ['scx_simple', 'scx_flatcg'] as const) {
      const p = x[peer];
      const pr = ratio(edf?.ls_p99_ns, p?.ls_p99_ns);
      goals.push({ goal: `slo-edf p99 < ${peer} p99`, met: pr === null ? null : pr < 1, measured: `${fmtMs(edf?.ls_p99_ns)} vs ${fmtMs(p?.ls_p99_ns)}` });
    }
  }
  return goals;
}

/** The JSON figures of one row: the issue's interface, then the agent's loop and threads (null when not recorded). */
export interface RowFigures {
  ls_p50_ns: number | null;
  ls_p99_ns: number | null;
  ls_p999_ns: number | null;
  ls_within_budget: number | null;
  batch_ops: number | null;
  agent_cpu: number | null;
  user_share: number | null;
  rounds: number;
  decided_share: number | null;
  decision_lag_p50_ns: number | null;
  /** Delegation-loop rounds per second (idle ones included), median over the cells. */
  agent_rounds_per_s: number | null;
  /** Rounds that handed records to the policy, per second. */
  agent_busy_rounds_per_s: number | null;
  agent_records_per_busy_round: number | null;
  /** Agent CPU (as agent_cpu measures it) per round, us. */
  agent_cpu_us_per_round: number | null;
  /** The median cell's busiest agent threads: share = thread CPU s / the cell's wall s. */
  agent_threads: { round: number; threads: ThreadShare[] } | null;
}

/** The agent's figures among a row's keys. */
type AgentFigureKey = 'agent_rounds_per_s' | 'agent_busy_rounds_per_s' | 'agent_records_per_busy_round' | 'agent_cpu_us_per_round' | 'agent_threads';

/** The JSON figures of one row, exactly these keys. */
export function rowFigures(s: Summary, name: SchedulerName): RowFigures {
  const x = s.schedulers[name]!;
  const slo = x.dispatch_shares !== null || x.decision_lag_p50_ns !== null;
  return {
    ls_p50_ns: x.ls_p50_ns,
    ls_p99_ns: x.ls_p99_ns,
    ls_p999_ns: x.ls_p999_ns,
    ls_within_budget: x.ls_within_budget,
    batch_ops: x.batch_ops,
    agent_cpu: slo ? x.guest_cpu.agent : null,
    user_share: x.dispatch_shares?.userspace ?? null,
    rounds: x.repetitions,
    decided_share: x.dispatch_shares?.decided_in_time ?? null,
    decision_lag_p50_ns: x.decision_lag_p50_ns,
    agent_rounds_per_s: x.agent_loop?.rounds_per_s ?? null,
    agent_busy_rounds_per_s: x.agent_loop?.busy_rounds_per_s ?? null,
    agent_records_per_busy_round: x.agent_loop?.records_per_busy_round ?? null,
    agent_cpu_us_per_round: x.agent_loop?.cpu_us_per_round ?? null,
    agent_threads: x.agent_threads,
  };
}
