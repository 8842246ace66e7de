// The recorded head-to-head trace (sim/test/fixtures/head-to-head-default.txt: the
// default scheduler in the sched_ext guest, made by bench/demo.sh and trimmed by
// trim-trace.ts) through the simulator as the demo's fidelity check runs it: the
// importer finds the groups, the events, and both replays give finite percentiles.
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Warnings } from '../../../sim/diagnostics.js';
import { parseKernelTraceText } from '../../../sim/import/kernel-trace-text.js';
import { calibratedWakeup, calibratedWakeupArgs, runFidelity, type FidelityVariant } from '../fidelity.js';
import { trimTrace } from '../trim-trace.js';

const FIXTURE = fileURLToPath(new URL('../../../../sim/test/fixtures/head-to-head-default.txt', import.meta.url));
const CLI = fileURLToPath(new URL('../../../cli/main.js', import.meta.url));
const SLOS = { ls: { budgetMs: 5, importance: 90 }, batch: { budgetMs: 500, importance: 10 } };

async function probePid(): Promise<number> {
  const m = /probe process \(cyclictest main thread\) pid (\d+)/.exec(await readFile(FIXTURE, 'utf8'));
  if (!m) throw new Error('the fixture does not name the probe pid');
  return Number(m[1]);
}

test('the fixture is small and its events parse', async (t) => {
  const text = await readFile(FIXTURE, 'utf8');
  t.true(text.length < 300_000, `${text.length} bytes`);
  const warnings = new Warnings();
  const parsed = await parseKernelTraceText(createInterface({ input: createReadStream(FIXTURE) }), 'ftrace', FIXTURE, warnings);
  t.is(parsed.cpus, 2);
  t.true(parsed.events.length > 1000, `${parsed.events.length} events`);
  t.true(parsed.events.some((e) => e.kind === 'switch'));
  t.true(parsed.events.some((e) => e.kind === 'wakeup'));
});

test('replayed as the demo does: groups found, finite percentiles under edf and fair', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'scx-slo-demo-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const f = await runFidelity({
    cli: CLI,
    traceFile: FIXTURE,
    rewrittenFile: join(dir, 'trace.txt'),
    probePid: await probePid(),
    slos: SLOS,
    measuredEdfP99Ns: 1_000_000,
    measuredDefaultP99Ns: 2_000_000,
    tracedCellProbeP99Ns: null,
    variants: [{ name: 'sim defaults', description: '', args: [] }],
  });
  const v = f.variants[0]!;
  t.is(v.error, undefined);
  const groups = new Map(f.groups.map((g) => [g.name, g]));
  t.is(groups.get('ls')?.tasks, 1, 'the probe\'s measurement thread alone');
  t.is(groups.get('ls')?.kind, 'service');
  t.is(groups.get('ls_main')?.tasks, 1, 'cyclictest\'s main thread, renamed');
  t.true((groups.get('batch')?.tasks ?? 0) >= 4, 'the stress-ng hogs');
  t.is(groups.get('batch')?.kind, 'batch');
  t.true((f.recordedProbe?.count ?? 0) > 100, `recorded probe wake-ups: ${f.recordedProbe?.count}`);
  for (const s of [v.edf, v.fair]) {
    t.truthy(s);
    t.true(s!.count > 100);
    for (const k of ['p50', 'p99', 'p999'] as const) t.true(Number.isFinite(s![k]) && s![k]! >= 0, `${k} = ${s![k]}`);
  }
  t.true(Number.isFinite(v.simRatio));
  t.true((v.edfTotals?.['events'] ?? 0) > 1000);
  t.is(f.measuredRatio, 0.5);
});

test('the eevdf baseline is replayed beside edf, and a calibrated variant takes its wake-up costs from the traced p50s only', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'scx-slo-demo-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const pid = await probePid();
  const f = await runFidelity({
    cli: CLI,
    traceFile: FIXTURE,
    rewrittenFile: join(dir, 'trace.txt'),
    probePid: pid,
    slos: SLOS,
    measuredEdfP99Ns: 1_000_000,
    measuredDefaultP99Ns: 2_000_000,
    tracedCellProbeP99Ns: null,
    // The same recorded cell stands in for the scx-slo one: this checks the mechanics.
    sloTrace: { file: FIXTURE, rewrittenFile: join(dir, 'slo.txt'), probePid: pid },
    variants: [{ name: 'sim defaults', description: '', args: [] }],
    calibrate: ['sim defaults'],
  });
  t.deepEqual(f.variants.map((v) => v.name), ['sim defaults', 'sim defaults + calibrated wake-up']);
  const [plain, calibrated] = f.variants as [FidelityVariant, FidelityVariant];
  for (const v of [plain, calibrated]) {
    t.is(v.error, undefined);
    t.true((v.eevdf?.count ?? 0) > 100);
    t.is(v.simRatioEevdf, v.edf!.p99! / v.eevdf!.p99!);
    t.is(v.deviationEevdf, Math.abs(v.simRatioEevdf! / f.measuredRatio! - 1));
  }
  const cal = f.calibration!;
  t.is(cal.defaultP50Ns, f.recordedProbe!.p50!);
  t.is(cal.sloP50Ns, f.recordedSloProbe!.p50!);
  t.deepEqual(cal, calibratedWakeup(f.recordedProbe!.p50!, f.recordedSloProbe!.p50!));
  t.is(cal.wakeupUs, Math.round((cal.sloP50Ns - cal.contextSwitchNs) / 1000));
  t.deepEqual(calibrated.args, calibratedWakeupArgs(cal));
  // The calibrated costs reach the replays: every edf wake-up now waits at least the cost.
  t.true(calibrated.edf!.p50! >= cal.wakeupUs * 1000 * 0.996, `edf p50 ${calibrated.edf!.p50}`);
  t.true(plain.edf!.p50! < calibrated.edf!.p50!);
});

test('trimTrace keeps the header, adds comments, starts at the probe and respects the size', (t) => {
  const text = ['cpus=2', 'a-1 [000] 1.0: sched_switch: x', 'cyclictest-7 [000] 1.1: sched_switch: cyclictest:7 [120] S ==> b:2 [120]',
    'b-2 [001] 1.2: sched_wakeup: c:3 [120] CPU:001', ''].join('\n');
  const out = trimTrace(text, 7, 200, ['hello']);
  t.is(out, 'cpus=2\n# hello\ncyclictest-7 [000] 1.1: sched_switch: cyclictest:7 [120] S ==> b:2 [120]\nb-2 [001] 1.2: sched_wakeup: c:3 [120] CPU:001\n');
  t.true(trimTrace(text, 7, 90, []).length <= 90);
});
