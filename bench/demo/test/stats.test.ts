// The head-to-head's parsers and statistics on fixed text: cyclictest histogram and
// status line, stress-ng metrics, percentiles with overflows, miss rate, summaries.
import test from 'ava';
import { parseCyclictestHistogram, parseCyclictestSummary, parseStressNgMetrics } from '../probe-output.js';
import { cdfPoints, fractionAbove, mergeHistograms, median, percentile, spread } from '../stats.js';
import { deadlineDelayNs, type RawCell, type RawRun } from '../raw-results.js';
import { dispatchShares, lagQuantileNs, summarize } from '../summarize.js';
import { renameProbeMainThread } from '../fidelity.js';
import { chartSvg } from '../chart-svg.js';

const HIST = `# Histogram
000100 000050
000200 000000
000300 000040
000900 000009
# Total: 000000099
# Min Latencies: 00100
# Avg Latencies: 00250
# Max Latencies: 250000
# Histogram Overflows: 00001
# Histogram Overflow at cycle number:
# Thread 0: 00042
`;

test('cyclictest histogram: non-empty buckets, overflows, min/avg/max', (t) => {
  const h = parseCyclictestHistogram(HIST, 200_000);
  t.deepEqual(h.buckets, [[100, 50], [300, 40], [900, 9]]);
  t.is(h.overflows, 1);
  t.is(h.minUs, 100);
  t.is(h.avgUs, 250);
  t.is(h.maxUs, 250_000);
});

test('percentiles: nearest rank over 1 us buckets; ranks among the overflows report the max', (t) => {
  const h = parseCyclictestHistogram(HIST, 200_000);
  t.deepEqual(percentile(h, 0.5), { ns: 100_000, beyondRange: false });
  t.deepEqual(percentile(h, 0.9), { ns: 300_000, beyondRange: false });
  t.deepEqual(percentile(h, 0.99), { ns: 900_000, beyondRange: false });
  t.deepEqual(percentile(h, 0.999), { ns: 250_000_000, beyondRange: true });
  t.is(percentile({ ...h, buckets: [], overflows: 0 }, 0.5), undefined);
});

test('miss rate: samples past the deadline, overflows included', (t) => {
  const h = parseCyclictestHistogram(HIST, 200_000);
  t.is(fractionAbove(h, 550_000), 10 / 100);
  t.is(fractionAbove(h, 300_000), 50 / 100);
  t.is(deadlineDelayNs({ budgetMs: 5, importance: 90 }), 550_000);
});

test('CDF and merge', (t) => {
  const h = parseCyclictestHistogram(HIST, 200_000);
  const pts = cdfPoints(h);
  t.is(pts.at(-1)![1], 1);
  t.deepEqual(pts[0], [101_000, 0.5]);
  const m = mergeHistograms([h, h]);
  t.deepEqual(m.buckets[0], [100, 100]);
  t.is(m.overflows, 2);
  t.is(m.maxUs, 250_000);
});

test('cyclictest status line (with cursor redraws) and stress-ng metrics', (t) => {
  const out = '# /dev/cpu_dma_latency set to 0us\npolicy: other/other: loadavg: 1 1 1\n\nT: 0 ( 3900) P: 0 I:5000 C:    384 Min:     21 Act:   97 Avg:  328 ' +
    'Max:   61544\n\x1b[3A\nT: 0 ( 3900) P: 0 I:5000 C:    386 Min:     21 Act:   88 Avg:  327 Max:   61544\n';
  t.deepEqual(parseCyclictestSummary(out), { priority: 0, intervalUs: 5000, loops: 386, minUs: 21, avgUs: 327, maxUs: 61544 });
  t.is(parseCyclictestSummary('nothing'), undefined);
  const rt = 'T: 0 ( 12) P:95 I:5000 C:   10 Min:  1 Act:  2 Avg:  3 Max:  4';
  t.is(parseCyclictestSummary(rt)?.priority, 95);
  const ng = `stress-ng: metrc: [198] stressor       bogo ops real time  usr time  sys time   bogo ops/s     bogo ops/s
stress-ng: metrc: [198]                           (secs)    (secs)    (secs)   (real time) (usr+sys time)
stress-ng: metrc: [198] cpu                 211      7.40      2.66      2.38        28.53          41.83
stress-ng: info:  [198] successful run completed in 8.87s`;
  t.deepEqual(parseStressNgMetrics(ng), { stressor: 'cpu', bogoOps: 211, realTimeS: 7.4 });
  t.deepEqual(parseStressNgMetrics(ng.replace(/metrc:/g, 'info: ')), { stressor: 'cpu', bogoOps: 211, realTimeS: 7.4 });
  t.is(parseStressNgMetrics('stress-ng: info: [1] dispatching hogs: 4 cpu'), undefined);
});

test('median, spread, dispatch shares, lag quantiles', (t) => {
  t.is(median([3, 1, 2]), 2);
  t.is(median([4, 1, 2, 3]), 2.5);
  t.is(median([Number.NaN]), null);
  t.deepEqual(spread([3, 1, Number.NaN, 2]), { min: 1, max: 3 });
  const s = dispatchShares({ user_dispatched: 50, direct: 30, fallback_lag: 10, fallback_ringfull: 5, fallback_stalled: 5, enqueued: 999 });
  t.deepEqual(s, { userspace: 0.5, decidedInTime: 50 / 65, direct: 0.3, fallback: 0.2, dispatches: 100 });
  t.is(dispatchShares({}), null);
  // Bucket 11 holds lags of [1024, 2048) us.
  const hist = new Array<number>(24).fill(0);
  hist[11] = 10;
  t.is(lagQuantileNs(hist, 0.5), Math.round(1000 * Math.SQRT2 * 1024));
  t.is(lagQuantileNs(new Array<number>(24).fill(0), 0.5), null);
});

function cell(round: number, scheduler: RawCell['scheduler'], p: number, ops: number, counters?: Record<string, number>): RawCell {
  return {
    round, scheduler, startedAt: '', probeSeconds: 10, schedExt: { state: null, ops: null },
    probe: { histogramText: `000${p} 000100\n# Max Latencies: ${p}\n# Histogram Overflows: 00000\n`,
      summaryLine: 'T: 0 ( 1) P: 0 I:5000 C: 100 Min: 1 Act: 1 Avg: 1 Max: 1', rangeUs: 200_000, pid: 1, tids: [1, 2] },
    batchText: `stress-ng: metrc: [1] cpu  ${ops}  10.0  1.0  1.0  1.0  1.0`,
    ...(counters ? { counters } : {}),
    notes: [],
  };
}

test('summary: medians, ratios to the default of the same round, verdict, chart', (t) => {
  const run: RawRun = {
    format: 'scx-slo-demo-raw', version: 1, startedAt: '', finishedAt: '', kernel: 'k', cpus: 2,
    config: { rounds: 2, probeSeconds: 10, schedulers: ['default', 'slo-edf'], lagMs: 50, stallMs: 1000, heartbeatMs: 50, workers: 1,
      stressors: 4, stressMethod: 'int64', probeIntervalUs: 5000, histogramRangeUs: 200_000,
      slos: { ls: { budgetMs: 5, importance: 90 }, batch: { budgetMs: 500, importance: 10 } }, bpfObject: 'x' },
    idle: null,
    cells: [
      cell(1, 'default', 900, 1000), cell(1, 'slo-edf', 300, 950, { user_dispatched: 1, direct: 1 }),
      cell(2, 'default', 1200, 1000), cell(2, 'slo-edf', 200, 900, { user_dispatched: 3, direct: 1 }),
    ],
    trace: null,
    log: [],
  };
  const s = summarize(run);
  const edf = s.schedulers['slo-edf']!;
  t.is(edf.repetitions, 2);
  t.is(edf.ls_p99_ns, 250_000);
  t.is(s.schedulers.default!.ls_p99_ns, 1_050_000);
  t.is(edf.ratio_to_default.ls_p99_ns, 250_000 / 1_050_000);
  t.deepEqual(edf.spread.ratio_to_default.ls_p99_ns, { min: 200 / 1200, max: 300 / 900 });
  t.is(edf.ratio_to_default.batch_ops, 925 / 1000);
  t.is(edf.dispatch_shares?.userspace, (0.5 + 0.75) / 2);
  t.is(s.schedulers.default!.dispatch_shares, null);
  t.true(s.edfVerdict!.p99Ok);
  t.true(s.edfVerdict!.batchOk);
  t.is(edf.miss_rate, 0);
  t.is(s.schedulers.default!.miss_rate, 1);
  const svg = chartSvg(s, 'test');
  t.true(svg.startsWith('<?xml'));
  t.true(svg.includes('</svg>'));
  t.false(svg.includes('NaN'));
});

test('the probe main thread is renamed in trace text, other cyclictest threads are not', (t) => {
  const text = '  cyclictest-177   [000]  1.0: sched_switch: cyclictest:177 [120] S ==> cyclictest:1770 [120]\n' +
    '  <idle>-0 [001] 1.1: sched_wakeup: cyclictest:177 [120] CPU:001\n';
  const out = renameProbeMainThread(text, 177);
  t.is(out, '  ctmain-177   [000]  1.0: sched_switch: ctmain:177 [120] S ==> cyclictest:1770 [120]\n' +
    '  <idle>-0 [001] 1.1: sched_wakeup: ctmain:177 [120] CPU:001\n');
});

test('summary: cells whose scheduler did not stay in place are left out and reported', (t) => {
  const base = cell(1, 'default', 900, 1000);
  const ejected = { ...cell(1, 'slo-fair', 50_000, 100), invalid: 'ejected' };
  const run: RawRun = {
    format: 'scx-slo-demo-raw', version: 1, startedAt: '', finishedAt: '', kernel: 'k', cpus: 2,
    config: { rounds: 1, probeSeconds: 10, schedulers: ['default', 'slo-fair'], lagMs: 50, stallMs: 1000, heartbeatMs: 50, workers: 1,
      stressors: 4, stressMethod: 'int64', probeIntervalUs: 5000, histogramRangeUs: 200_000,
      slos: { ls: { budgetMs: 5, importance: 90 }, batch: { budgetMs: 500, importance: 10 } }, bpfObject: 'x' },
    idle: null, cells: [base, ejected], trace: null, log: [],
  };
  const s = summarize(run);
  t.deepEqual(s.order, ['default']);
  t.deepEqual(s.lost, ['slo-fair']);
  t.deepEqual(s.invalid, [{ round: 1, scheduler: 'slo-fair', reason: 'ejected' }]);
});
