// The service scenario's parsing and summarising, on fixtures cut from a real guest run
// (bench/demo.sh with SCX_DEMO_SCENARIOS=service,probe, one round, 6 s cells, the rows
// default, slo-edf, slo-fallback, scx_simple, scx_flatcg; 2026-12-02): slo-service's
// output, the per-scenario summary with the JSON keys, the goals, and the traced
// wake-to-run of the service's threads.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kubeletCpuWeight } from '../../../sim/kubelet-cpu-weight.js';
import type { RawRun } from '../raw-results.js';
import { agentConfigYaml, scenarioLayout } from '../scenarios.js';
import { parseServiceOutput, serviceHistogram } from '../service-output.js';
import { fractionAbove, percentile } from '../stats.js';
import { rowFigures, runScenarios, summarize, TARGETS } from '../summarize.js';
import { quantileNs, wakeToRun } from '../wake-to-run.js';
import { BEGIN, END, replaceSection } from '../results-md.js';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../../../../bench/demo/test/fixtures/${name}`, import.meta.url)), 'utf8');
const RUN = JSON.parse(fixture('demo-raw-service-probe.json')) as RawRun;
const serviceCells = RUN.cells.filter((c) => c.scenario === 'service');

test('every service cell of the guest run parses: one latency per completed request, counts that add up', (t) => {
  t.true(serviceCells.length >= 4);
  for (const c of serviceCells) {
    const o = parseServiceOutput(c.serviceText ?? '');
    t.truthy(o, `${c.scheduler}`);
    t.is(o!.latenciesNs.length, o!.completed);
    t.is(o!.completed + o!.unfinished, o!.scheduled);
    t.true(o!.latenciesNs.every((v) => Number.isInteger(v) && v > 0));
    t.is(o!.settings['work_us'], 2000);
  }
});

test('the service histogram keeps every request: its percentiles and within-budget share match the sorted latencies', (t) => {
  for (const c of serviceCells) {
    const o = parseServiceOutput(c.serviceText ?? '')!;
    const h = serviceHistogram(o);
    const sorted = [...o.latenciesNs].sort((a, b) => a - b);
    for (const q of [0.5, 0.99, 0.999]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      t.is(percentile(h, q)!.ns, Math.floor(exact / 1000) * 1000, `${c.scheduler} q=${q}`);
    }
    const budget = 20e6;
    const within = sorted.filter((v) => Math.floor(v / 1000) * 1000 < budget).length / sorted.length;
    t.true(Math.abs(1 - fractionAbove(h, budget)! - within) < 1e-12, `${c.scheduler}`);
  }
});

test('unfinished requests count beyond every latency and against the budget', (t) => {
  const text = serviceCells[0]!.serviceText!;
  const o = parseServiceOutput(text)!;
  // The same output with the last 10 requests never finished.
  const kept = o.latenciesNs.slice(0, -10);
  const edited = [
    text.split('\n')[0],
    `lat_ns ${kept.join(' ')}`,
    `slo-service: scheduled=${o.scheduled} completed=${kept.length} unfinished=${o.unfinished + 10} cpu_ns=${o.cpuNs} wall_ns=${o.wallNs}`,
  ].join('\n');
  const h = serviceHistogram(parseServiceOutput(edited)!);
  t.is(h.overflows, 10);
  const top = percentile(h, 1)!;
  t.true(top.beyondRange);
  t.true(fractionAbove(h, Number.MAX_SAFE_INTEGER)! >= 10 / o.scheduled);
  t.throws(() => parseServiceOutput(edited.replace(`completed=${kept.length}`, `completed=${kept.length + 1}`)),
    { message: /completed=\d+ but \d+ latencies/ });
});

test('a run with both scenarios is summarised per scenario, each on its own cells', (t) => {
  t.deepEqual(runScenarios(RUN), ['service', 'probe']);
  const service = summarize(RUN, null, 'service');
  const probe = summarize(RUN, null, 'probe');
  t.is(service.cells.length, serviceCells.length);
  t.is(probe.cells.length, RUN.cells.filter((c) => c.scenario === 'probe').length);
  t.true(service.cells.every((c) => c.histogram !== null && c.samples > 0));
  t.is(service.budgetNs, 20e6);
  t.is(probe.budgetNs, 5e6);
  t.is(service.layout.ls.path, 'kubepods.slice/service');
  t.not(service.schedulers.default?.ls_p99_ns, probe.schedulers.default?.ls_p99_ns);
});

test('every row of the JSON has exactly the issue\'s keys and then the agent loop\'s; agent figures only for scx-slo rows', (t) => {
  const s = summarize(RUN, null, 'service');
  const keys = ['ls_p50_ns', 'ls_p99_ns', 'ls_p999_ns', 'ls_within_budget', 'batch_ops', 'agent_cpu', 'user_share', 'rounds',
    'decided_share', 'decision_lag_p50_ns', 'agent_rounds_per_s', 'agent_busy_rounds_per_s', 'agent_records_per_busy_round', 'agent_cpu_us_per_round',
    'agent_threads'];
  for (const name of s.order) {
    const row = rowFigures(s, name);
    t.deepEqual(Object.keys(row), keys, name);
    t.is(row['rounds'], s.cells.filter((c) => c.scheduler === name).length);
    if (name === 'slo-edf') {
      t.true((row['agent_cpu'] ?? 0) > 0);
      t.true((row['user_share'] ?? 0) > 0 && row['user_share']! <= 1);
      t.true((row['decided_share'] ?? 0) > 0 && row['decided_share']! <= 1);
      t.true((row['decision_lag_p50_ns'] ?? 0) > 0);
    }
    if (name === 'default' || name === 'scx_simple') {
      t.is(row['agent_cpu'], null);
      t.is(row['user_share'], null);
      t.is(row['decided_share'], null);
    }
  }
});

test('the goals follow the medians: MET exactly when the measured figure is within its target, unmeasured rows say so', (t) => {
  const s = summarize(RUN, null, 'service');
  const edf = s.schedulers['slo-edf']!;
  const def = s.schedulers.default!;
  const goal = (prefix: string) => s.goals.find((g) => g.goal.startsWith(prefix))!;
  t.is(goal('slo-edf p99 <= 1/3').met, edf.ls_p99_ns! / def.ls_p99_ns! <= TARGETS.p99RatioMax);
  t.is(goal('slo-edf >= 99%').met, edf.ls_within_budget! >= TARGETS.withinBudgetMin);
  t.is(goal('slo-edf batch').met, edf.batch_ops! / def.batch_ops! >= TARGETS.batchRatioMin);
  t.is(goal('slo-edf p99 < scx_flatcg').met, edf.ls_p99_ns! < s.schedulers.scx_flatcg!.ls_p99_ns!);
  // This run lost its default-tuned cells (a harness bug since fixed): not measured, not failed.
  t.is(s.schedulers['default-tuned'], undefined);
  t.is(goal('slo-edf p99 <= default-tuned').met, null);
  const probeGoals = summarize(RUN, null, 'probe').goals.map((g) => g.goal);
  t.false(probeGoals.some((g) => g.includes('within budget')));
});

test('wake-to-run from a guest trace: the service\'s threads, each wake-up paired with the switch that runs it', (t) => {
  const text = fixture('trace-service-slo-edf.txt');
  const w = wakeToRun(text, 'slo-service');
  t.true(w.threads >= 3, `${w.threads} threads (dispatcher and 2 workers)`);
  t.true(w.latenciesNs.length > 20, `${w.latenciesNs.length} wake-ups`);
  t.true(w.latenciesNs.every((v) => v >= 0));
  const p50 = quantileNs(w.latenciesNs, 0.5)!;
  t.true(p50 <= quantileNs(w.latenciesNs, 0.99)!);
  t.deepEqual(wakeToRun(text, 'no-such-command'), { latenciesNs: [], threads: 0 });
});

test('wake-to-run pairs by pid, ignores names inside the events, and a second wake-up does not restart the wait', (t) => {
  const text = [
    '   svc-10   [000]   1.000000: sched_switch:         node:10 [120] S ==> hog:20 [120]',
    '   hog-20   [000]   1.000100: sched_wakeup:         node:10 [120] CPU:000',
    '   hog-20   [000]   1.000200: sched_wakeup:         node:10 [120] CPU:000',
    '   hog-20   [000]   1.000350: sched_switch:         hog:20 [120] R ==> node:10 [120]',
    '   hog-20   [001]   1.000400: sched_wakeup:         x:30 [120] CPU:001',
  ].join('\n');
  t.deepEqual(wakeToRun(text, 'svc'), { latenciesNs: [250_000], threads: 1 });
});

test('the service node is laid out by kubelet\'s conversion, and the agent\'s config file carries both SLOs', (t) => {
  const l = scenarioLayout('service');
  t.is(l.ls.weight, kubeletCpuWeight(l.ls.requestMilli!));
  t.is(l.batch.weight, kubeletCpuWeight(l.batch.requestMilli!));
  t.is(l.parent!.weight, kubeletCpuWeight(l.parent!.requestMilli!));
  t.true(l.ls.path.startsWith(`${l.parent!.path}/`) && l.batch.path.startsWith(`${l.parent!.path}/`));
  t.deepEqual(l.ls.slo, { budgetMs: 20, importance: 90 });
  t.deepEqual(l.batch.slo, { budgetMs: 1000, importance: 10 });
  const yaml = agentConfigYaml([l]);
  t.regex(yaml, /kubepods\.slice\/service:\n {4}budgetMs: 20\n {4}importance: 90/);
  t.regex(yaml, /kubepods\.slice\/batch:\n {4}budgetMs: 1000\n {4}importance: 10/);
});

test('the generated RESULTS.md section replaces only the marked block, and a page without one is refused', (t) => {
  const page = `# Results\nintro\n${BEGIN}\nold table\n${END}\n## older run\nkept\n`;
  const out = replaceSection(page, 'new table\n');
  t.is(out, `# Results\nintro\n${BEGIN}\nnew table\n${END}\n## older run\nkept\n`);
  t.throws(() => replaceSection('# Results\n', 'x'), { message: /no <!-- demo:current:begin -->/ });
});
