// The agent's delegation loop and threads in the head-to-head's summary: a raw.json from
// before they were recorded still summarizes (the figures null), one with them gives
// the medians over rounds per row, the median round's busiest threads, the console line
// and the RESULTS.md lines; and the variant rows (slo-edf-alt, slo-edf-alt2) are labelled
// with their arguments and never stand in for slo-edf in the goals.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resultsMarkdown } from '../results-md.js';
import { rowLabel, rowVariant, splitAgentArgs, type RawCell, type RawRun } from '../raw-results.js';
import { agentLoopFigures, agentLoopLine, rowFigures, summarize } from '../summarize.js';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../../../../bench/demo/test/fixtures/${name}`, import.meta.url)), 'utf8');
const OLD = JSON.parse(fixture('demo-raw-service-probe.json')) as RawRun;

/** The fixture with three rounds of service cells, the slo-edf cells carrying loop counters and thread CPU, and an slo-edf-alt row. */
function instrumented(): RawRun {
  const run = structuredClone(OLD);
  const service = run.cells.filter((c) => c.scenario === 'service');
  const edf = service.find((c) => c.scheduler === 'slo-edf')!;
  // The variant row measures other latencies and batch ops than slo-edf (the default cell's).
  const other = service.find((c) => c.scheduler === 'default')!;
  const cells: RawCell[] = [];
  // Agent CPU s over the 7.122 s probe per round, and the loop over a 9 s status window.
  const perRound = [
    { round: 1, agentS: 3.49, rounds: 1800, busyRounds: 600, records: 1200, node: 3.0 },
    { round: 2, agentS: 1.8, rounds: 2700, busyRounds: 900, records: 3600, node: 1.5 },
    { round: 3, agentS: 5.0, rounds: 900, busyRounds: 450, records: 900, node: 4.6 },
  ];
  for (const r of perRound) {
    for (const c of service) {
      const copy: RawCell = { ...structuredClone(c), round: r.round };
      if (c.scheduler === 'slo-edf') {
        copy.cpu = { ...c.cpu!, agentS: r.agentS };
        copy.loop = { rounds: r.rounds, busyRounds: r.busyRounds, records: r.records, wallS: 9 };
        copy.agentThreads = [{ tid: 501, comm: 'node', cpuSeconds: r.node }, { tid: 507, comm: 'libuv-worker', cpuSeconds: 0.2 },
          { tid: 503, comm: 'V8Worker', cpuSeconds: 0.1 }, { tid: 504, comm: 'V8Worker', cpuSeconds: 0.05 }, { tid: 505, comm: 'V8Worker', cpuSeconds: 0 }];
      }
      // The agent SIGSTOPped through the probe: its loop ran only around it (the cell's countersNote).
      if (c.scheduler === 'slo-fallback') copy.loop = { rounds: 300, busyRounds: 200, records: 400, wallS: 9 };
      cells.push(copy);
    }
    cells.push({ ...structuredClone(edf), round: r.round, scheduler: 'slo-edf-alt', serviceText: other.serviceText ?? null, batchText: other.batchText,
      cpu: { ...edf.cpu!, agentS: 0.7 },
      loop: { rounds: 450, busyRounds: 450, records: 2700, wallS: 9 } });
  }
  run.cells = [...cells, ...run.cells.filter((c) => c.scenario !== 'service')];
  run.config.rounds = 3;
  run.config.schedulers = [...run.config.schedulers, 'slo-edf-alt'];
  run.config.altAgentArgs = ['--batch-window-us', '2000'];
  return run;
}

test('a raw.json without the loop counters and threads still summarizes, their figures null', (t) => {
  const s = summarize(OLD, null, 'service');
  t.true(s.order.includes('slo-edf'));
  for (const name of s.order) {
    const row = rowFigures(s, name);
    t.is(row.agent_rounds_per_s, null, name);
    t.is(row.agent_cpu_us_per_round, null, name);
    t.is(row.agent_threads, null, name);
  }
  t.is(s.schedulers['slo-edf']!.agent_loop, null);
  t.is(agentLoopLine('slo-edf', rowFigures(s, 'slo-edf')), null);
});

test('one cell\'s loop figures: rates over the status window, CPU per round from the agent\'s CPU rate over the round rate', (t) => {
  const f = agentLoopFigures({ loop: { rounds: 1800, busyRounds: 600, records: 1200, wallS: 9 },
    cpu: { wallS: 8, busyS: 0, idleS: 0, lsS: 0, batchS: 0, agentS: 2 } })!;
  t.is(f.roundsPerS, 200);
  t.is(f.busyRoundsPerS, 600 / 9);
  t.is(f.recordsPerBusyRound, 2);
  t.is(f.cpuUsPerRound, (2 / 8 / 200) * 1e6);
  t.is(agentLoopFigures({ loop: { rounds: 0, busyRounds: 0, records: 0, wallS: 9 }, cpu: undefined })!.cpuUsPerRound, null);
  t.is(agentLoopFigures({ loop: undefined, cpu: undefined }), null);
});

test('each scx-slo row gets the medians over rounds of its loop figures and the median round\'s busiest threads', (t) => {
  const s = summarize(instrumented(), null, 'service');
  const row = rowFigures(s, 'slo-edf');
  t.is(row.rounds, 3);
  t.is(row.agent_rounds_per_s, 200, 'rounds/s 200, 300, 100');
  t.is(row.agent_busy_rounds_per_s, 600 / 9);
  t.is(row.agent_records_per_busy_round, 2, '2, 4, 2');
  const cpuUs = [3.49 / 7.122 / 200, 1.8 / 7.122 / 300, 5 / 7.122 / 100].map((x) => x * 1e6).sort((a, b) => a - b);
  t.true(Math.abs(row.agent_cpu_us_per_round! - cpuUs[1]!) < 1e-6, `${row.agent_cpu_us_per_round} vs ${cpuUs}`);
  // The median round by agent CPU is round 1 (3.49 s; rounds 2 and 3: 1.8 and 5 s).
  t.is(row.agent_threads!.round, 1);
  t.deepEqual(row.agent_threads!.threads.map((x) => x.tid), [501, 507, 503, 504], 'busiest first, the idle thread left out');
  t.is(row.agent_threads!.threads[0]!.share, Math.round((3 / 7.122) * 1e4) / 1e4);
  const line = agentLoopLine('slo-edf', rowFigures(s, 'slo-edf'))!;
  t.regex(line, /^slo-edf: 200 rounds\/s \(67 busy\), 2\.0 records per busy round, \d+ us CPU per round; threads \(round 1\): node\/501 42\.1%, /);
  t.regex(line, /libuv-worker\/507 2\.8%, V8Worker\/503 1\.4%$/);
  for (const name of ['default', 'scx_simple', 'slo-fallback'] as const) t.is(rowFigures(s, name).agent_rounds_per_s, null, name);
  t.truthy(s.cells.find((c) => c.scheduler === 'slo-fallback')?.loop, 'its counters are kept in the cell all the same');
});

test('the variant rows are labelled with their arguments and object, or as equal to slo-edf when given neither', (t) => {
  const run = instrumented();
  t.deepEqual(splitAgentArgs('  --batch-window-us 2000\t--slice-us  3000 '), ['--batch-window-us', '2000', '--slice-us', '3000']);
  t.deepEqual(splitAgentArgs(undefined), []);
  t.deepEqual(rowVariant(run.config, 'slo-edf-alt'), { agentArgs: ['--batch-window-us', '2000'], bpfObject: undefined });
  t.is(rowVariant(run.config, 'slo-edf'), null);
  t.is(rowLabel(run.config, 'slo-edf-alt'), 'scx-slo edf, variant (agent args --batch-window-us 2000)');
  t.is(rowLabel(run.config, 'slo-edf-alt2'), 'scx-slo edf, second variant (no args or object given: the same as slo-edf)');
  const both = { ...run.config, alt2BpfObject: '/mnt/out/alt2-scx_slo.bpf.o', alt2AgentArgs: ['--workers', '1'] };
  t.is(rowLabel(both, 'slo-edf-alt2'), 'scx-slo edf, second variant (agent args --workers 1; BPF object alt2-scx_slo.bpf.o)');
  t.is(rowLabel(run.config, 'slo-edf'), 'scx-slo edf');
  t.is(summarize(run, null, 'service').schedulers['slo-edf-alt']!.label, 'scx-slo edf, variant (agent args --batch-window-us 2000)');
});

test('a variant row is summarized as its own row and leaves the goals of slo-edf as they were', (t) => {
  const run = instrumented();
  const withAlt = summarize(run, null, 'service');
  const without = summarize({ ...run, cells: run.cells.filter((c) => c.scheduler !== 'slo-edf-alt'),
    config: { ...run.config, schedulers: run.config.schedulers.filter((s) => s !== 'slo-edf-alt') } }, null, 'service');
  t.deepEqual(withAlt.goals, without.goals);
  t.deepEqual(withAlt.edfVerdict, without.edfVerdict);
  t.deepEqual(withAlt.order.slice(-1), ['slo-edf-alt']);
  t.not(withAlt.schedulers['slo-edf-alt']!.ls_p99_ns, withAlt.schedulers['slo-edf']!.ls_p99_ns, 'the variant measured something else');
  const alt = rowFigures(withAlt, 'slo-edf-alt');
  t.is(alt.agent_rounds_per_s, 50);
  t.is(alt.agent_records_per_busy_round, 6);
  t.is(alt.agent_threads, null, 'no thread CPU recorded for it');
});

test('the RESULTS.md section names the variant row\'s arguments and gives each scx-slo row\'s loop and threads', (t) => {
  const run = instrumented();
  const s = summarize(run, null, 'service');
  const doc = {
    started_at: run.startedAt, machine: { kernel: run.kernel, cpus: run.cpus, host: null }, measured_build: null, config: run.config,
    scenarios: { service: { schedulers: Object.fromEntries(s.order.map((n) => [n, rowFigures(s, n)])), goals: s.goals, layout: s.layout,
      details: s.schedulers, traced_wake_to_run: {}, fidelity: null } },
  } as unknown as Parameters<typeof resultsMarkdown>[0];
  const md = resultsMarkdown(doc);
  t.regex(md, /\n- slo-edf-alt: scx-slo edf, variant \(agent args --batch-window-us 2000\)\n/);
  t.regex(md, /\n- slo-edf agent: 200 rounds\/s \(67 busy\), 2\.0 records per busy round, \d+ us CPU per round; threads \(round 1\): node\/501 42\.1%/);
  t.regex(md, /\n- slo-edf-alt agent: 50 rounds\/s \(50 busy\), 6\.0 records per busy round, \d+ us CPU per round\n/);
  t.notRegex(md, /- default agent/);
  const old = summarize(OLD, null, 'service');
  const oldMd = resultsMarkdown({ ...doc, scenarios: { service: { ...doc.scenarios['service']!, details: old.schedulers,
    schedulers: Object.fromEntries(old.order.map((n) => [n, rowFigures(old, n)])) } } } as Parameters<typeof resultsMarkdown>[0]);
  t.notRegex(oldMd, / agent: /, 'no agent lines from a run that did not record them');
});
