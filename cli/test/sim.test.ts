// `scx-slo sim` end to end through the real entry point: the --json document's shape
// (the stable interface of JSON_OUTPUT.md), --help, --plot, import, and exit codes and
// messages for bad input.
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { GroupJson, LatencySummaryJson, SimResultJson } from '../../sim/result-json.js';
import { FIXTURES, tempDir } from '../../sim/test/helpers.js';

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const run = promisify(execFile);

async function sim(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, 'sim', ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function isLatency(t: import('ava').ExecutionContext, s: LatencySummaryJson | undefined, where: string): void {
  t.truthy(s, where);
  t.deepEqual(Object.keys(s!).sort(), ['count', 'max', 'mean', 'p50', 'p90', 'p99', 'p999'], where);
  for (const k of ['p50', 'p90', 'p99', 'p999', 'max', 'mean'] as const) {
    const v = s![k];
    t.true(v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0), `${where}.${k} = ${v}`);
  }
  if (s!.count > 0) t.true(s!.p50! <= s!.p90! && s!.p90! <= s!.p99! && s!.p99! <= s!.p999! && s!.p999! <= s!.max!, where);
}

test('--json prints the documented document', async (t) => {
  const { code, stdout, stderr } = await sim('--scenario', 'steady', '--cpus', '4', '--duration-ms', '300', '--json', '--no-progress');
  t.is(code, 0, stderr);
  const doc = JSON.parse(stdout) as SimResultJson;
  t.is(doc.format, 'scx-slo-sim-result');
  t.is(doc.version, 1);
  t.like(doc.scenario, { name: 'steady', source: 'generated', trace_file: null, seed: 1, cpus: 4, duration_ns: 300_000_000 });
  t.deepEqual(Object.keys(doc.model).sort(), [
    'agent_cpu_ns_per_record', 'agent_deadline_ns', 'agent_lag_ns', 'baseline_base_slice_ns', 'baseline_cgroups', 'baseline_wakeup_ns', 'context_switch_ns',
    'direct_max_ns', 'dispatch_batch',
    'preempt_keeps_deadline', 'slice_ns', 'tick_ns', 'wakeup_ns',
  ]);
  t.like(doc.model, { preempt_keeps_deadline: true, tick_ns: 1_000_000, wakeup_ns: 0, baseline_wakeup_ns: 0, baseline_cgroups: true,
    agent_cpu_ns_per_record: 0 });
  t.deepEqual(Object.keys(doc.policies), ['edf', 'fair', 'fifo']);
  for (const [name, p] of Object.entries(doc.policies)) {
    t.is(typeof p.kernel_fast_path, 'boolean');
    t.true(p.totals.events > 0);
    t.deepEqual(Object.keys(p.groups), ['web', 'batch']);
    const web = p.groups['web'] as GroupJson;
    isLatency(t, web.wake_latency_ns, `${name}.web.wake`);
    isLatency(t, web.request_latency_ns, `${name}.web.request`);
    t.is(typeof web.deadline_misses, 'number');
    t.true(web.miss_rate !== null && web.miss_rate >= 0 && web.miss_rate <= 1);
    t.true(web.cpu_share > 0 && web.cpu_share < 1);
    t.true(web.requests!.completed > 0);
    t.is(web.batch, undefined);
    const batch = p.groups['batch'] as GroupJson;
    isLatency(t, batch.wake_latency_ns, `${name}.batch.wake`);
    t.is(batch.request_latency_ns, undefined);
    t.true(batch.batch!.work_units > 0);
    t.true(batch.batch!.share_of_remaining! > 0 && batch.batch!.share_of_remaining! <= 1);
    t.true(Array.isArray(batch.notes));
  }
  t.false(stdout.includes('NaN'));
});

test('a group that never wakes up gets null percentiles with a note, not NaN', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 't.jsonl');
  await writeFile(file, [
    { format: 'scx-slo-trace', version: 1, name: 'quiet', source: 'test', cpus: 1, duration_ns: 1_000_000, groups: [
      { name: 'busy', cgroup_id: 1, kind: 'batch', slo: null },
      { name: 'idle', cgroup_id: 2, kind: 'service', slo: { budget_ns: 1_000_000, importance: 50 } },
    ] },
    { type: 'task', id: 1, group: 'busy', start_ns: 0 },
    { type: 'run', task: 1, ns: 500_000 },
    { type: 'task', id: 2, group: 'idle', start_ns: 5_000_000 },
    { type: 'request', task: 2, at_ns: 6_000_000 },
    { type: 'run', task: 2, ns: 1_000 },
    { type: 'done', task: 2 },
  ].map((l) => JSON.stringify(l)).join('\n'));
  const { code, stdout } = await sim('--trace', file, '--policy', 'fair', '--json');
  t.is(code, 0);
  const idle = (JSON.parse(stdout) as SimResultJson).policies['fair']!.groups['idle']!;
  t.like(idle.wake_latency_ns, { count: 0, p50: null, p90: null, p99: null, p999: null });
  t.like(idle.request_latency_ns, { count: 0, p50: null });
  t.is(idle.miss_rate, null);
  t.true(idle.notes.some((n) => n.includes('percentiles are null')));
  // And the table shows dashes for them.
  const table = await sim('--trace', file, '--policy', 'fair');
  t.regex(table.stdout, /fair\s+-\s+-\s+-\s+-/);
});

test('--preempt-renews-deadline and --tick-us reach the model', async (t) => {
  const { code, stdout, stderr } = await sim('--scenario', 'steady', '--cpus', '2', '--duration-ms', '50', '--policy', 'edf', '--json',
    '--preempt-renews-deadline', '--tick-us', '0');
  t.is(code, 0, stderr);
  t.like((JSON.parse(stdout) as SimResultJson).model, { preempt_keeps_deadline: false, tick_ns: 0 });
  const table = await sim('--scenario', 'steady', '--cpus', '2', '--duration-ms', '50', '--policy', 'edf', '--preempt-renews-deadline', '--tick-us', '250');
  t.regex(table.stdout, /tick 250us, preempted tasks get a fresh deadline \(what-if\)/);
  t.is((await sim('--scenario', 'steady', '--tick-us', '-1')).code, 2);
  t.is((await sim('--scenario', 'steady', '--preempt-keeps-deadline')).code, 2, 'the old what-if flag is the default now, and gone');
});

test('--scenario service: 2 CPUs, groups service and batch with their cpu.weight; --baseline-cpu-weight reaches the model', async (t) => {
  const { code, stdout, stderr } = await sim('--scenario', 'service', '--duration-ms', '300', '--policy', 'edf,eevdf', '--json',
    '--baseline-cpu-weight', 'service=10000');
  t.is(code, 0, stderr);
  const doc = JSON.parse(stdout) as SimResultJson;
  t.is(doc.scenario.cpus, 2);
  t.deepEqual(doc.scenario.groups.map((g) => [g.name, g.cpu_weight]), [['service', 10], ['batch', 69]]);
  t.deepEqual(doc.model.baseline_cpu_weights, { service: 10_000 });
  t.deepEqual(Object.keys(doc.policies), ['edf', 'eevdf']);
  t.truthy(doc.policies['eevdf']!.groups['service']!.request_latency_ns);
  const plain = JSON.parse((await sim('--scenario', 'steady', '--cpus', '2', '--duration-ms', '50', '--policy', 'eevdf', '--json')).stdout) as SimResultJson;
  t.false('baseline_cpu_weights' in plain.model, 'absent when not given');
  t.false(plain.scenario.groups.some((g) => 'cpu_weight' in g), 'absent when the workload sets none');
  const bad = await sim('--scenario', 'service', '--baseline-cpu-weight', 'service=0');
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--baseline-cpu-weight service: cpu\.weight must be an integer in 1\.\.10000, got "0"/);
  const unknown = await sim('--scenario', 'service', '--duration-ms', '10', '--policy', 'eevdf', '--baseline-cpu-weight', 'web=200');
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /baselineCpuWeights names group "web", which the workload does not have \(groups: service, batch\)/);
});

test('--help documents every option', async (t) => {
  const { code, stdout } = await sim('--help');
  t.is(code, 0);
  for (const opt of ['--scenario', '--trace', '--policy', '--policy-opt', '--cpus', '--duration-ms', '--seed', '--json', '--plot', '--out-trace', '--progress',
    '--no-progress', '--format', '--group', '--slo', '--kind', '--context-switch-us', '--slice-us', '--urgent-below-us', '--direct-max-us', '--dispatch-batch',
    '--agent-lag-us', '--tick-us', '--preempt-renews-deadline', '--baseline-cpu-weight', 'sim import', '--out', 'noisy-neighbour',
    'mixed', 'steady', 'service']) {
    t.true(stdout.includes(opt), `--help mentions ${opt}`);
  }
});

test('the table, --plot and --out-trace on a scenario; the trace replays the same', async (t) => {
  const dir = await tempDir(t);
  const svg = join(dir, 'cdf.svg');
  const trace = join(dir, 'nn.jsonl');
  const a = await sim('--scenario', 'noisy-neighbour', '--cpus', '4', '--duration-ms', '200', '--policy', 'edf,fair', '--plot', svg, '--out-trace', trace);
  t.is(a.code, 0, a.stderr);
  t.regex(a.stdout, /^web \(service, \d+ tasks, budget 2\.00ms, importance 90/m);
  t.regex(a.stdout, /^ {2}edf +\S+/m);
  t.regex(a.stdout, new RegExp(`plot: ${svg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const text = await readFile(svg, 'utf8');
  t.true(text.startsWith('<?xml'));
  t.regex(text, /<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.true(text.includes('web: wake-to-run latency CDF'));
  t.true(text.includes('<path'));
  const fromScenario = JSON.parse((await sim('--scenario', 'noisy-neighbour', '--cpus', '4', '--duration-ms', '200', '--policy', 'edf,fair',
    '--json')).stdout) as SimResultJson;
  const fromTrace = JSON.parse((await sim('--trace', trace, '--policy', 'edf,fair', '--json')).stdout) as SimResultJson;
  t.deepEqual(fromTrace.policies, fromScenario.policies);
});

test('sim import converts a real kernel trace, and the result replays', async (t) => {
  const dir = await tempDir(t);
  const out = join(dir, 'perf.jsonl');
  const imp = await sim('import', join(FIXTURES, 'perf-sched.txt'), '--out', out, '--group', 'hog=^stress-ng', '--slo', 'hog=50ms:20');
  t.is(imp.code, 0, imp.stderr);
  t.regex(imp.stdout, /\(perf\): \d+ tasks, 2 CPUs/);
  t.regex(imp.stdout, /hog \(batch, \d+ tasks, budget 50\.0ms, importance 20\)/);
  const replay = await sim('--trace', out, '--json', '--policy', 'edf,fifo');
  t.is(replay.code, 0, replay.stderr);
  const doc = JSON.parse(replay.stdout) as SimResultJson;
  t.is(doc.scenario.source, 'perf');
  t.truthy(doc.policies['edf']!.groups['hog']);
  // Replaying the kernel text directly shows what the recorded kernel did, too.
  const direct = await sim('--trace', join(FIXTURES, 'ftrace-trace-cmd.txt'), '--policy', 'edf');
  t.is(direct.code, 0, direct.stderr);
  t.regex(direct.stdout, /\(recorded kernel\)/);
});

test('bad arguments exit 2 with usage; bad input exits 1 naming file, line and field', async (t) => {
  const usage = await sim('--scenario', 'nope');
  t.is(usage.code, 2);
  t.regex(usage.stderr, /--scenario: unknown scenario "nope"/);
  t.is((await sim('--scenario', 'steady', '--cpus', '0')).code, 2);
  t.is((await sim('--scenario', 'steady', '--bogus')).code, 2);
  t.is((await sim()).code, 2);
  t.is((await sim('--scenario', 'steady', '--policy', 'nosuch')).code, 1);
  const dir = await tempDir(t);
  const file = join(dir, 'bad.jsonl');
  const header = { format: 'scx-slo-trace', version: 1, name: 'b', source: 't', cpus: 1, duration_ns: 10,
    groups: [{ name: 'g', cgroup_id: 1, kind: 'batch', slo: null }] };
  await writeFile(file, `${JSON.stringify(header)}\n{"type":"task","id":1,"group":"g","start_ns":"soon"}\n`);
  const bad = await sim('--trace', file);
  t.is(bad.code, 1);
  t.regex(bad.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: field "start_ns": expected a number, got "soon"`));
  t.false(bad.stderr.includes('    at '), 'no stack trace');
});
