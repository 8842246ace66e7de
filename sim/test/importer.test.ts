// The kernel-trace importers, on traces recorded from a real kernel (the sched_ext QEMU
// guest; see fixtures/record-real-trace.sh): format detection, task run/sleep
// reconstruction, grouping, and replay; plus hand-made lines for exact conversions
// and for malformed input.
import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILTIN_POLICIES } from '../../policy/registry.js';
import { InputError, Warnings } from '../diagnostics.js';
import { simulate } from '../engine.js';
import { parseKernelTraceText } from '../import/kernel-trace-text.js';
import { commFamily, schedEventsToWorkload } from '../import/sched-to-workload.js';
import { detectFormat, loadTraceFile } from '../import/trace-file.js';
import { policyJson } from '../result-json.js';
import { Op, type Workload } from '../workload.js';
import { FIXTURES, model, tempDir } from './helpers.js';

const NO_RULES = { groups: [], slos: new Map(), kinds: new Map() };
const REAL = [
  { file: 'ftrace-trace-cmd.txt', format: 'ftrace' },
  { file: 'ftrace-raw.txt', format: 'ftrace' },
  { file: 'perf-sched.txt', format: 'perf' },
] as const;

function groupCpu(w: Workload, name: string): number {
  let sum = 0;
  for (const t of w.tasks) {
    if (w.groups[t.group]!.name !== name) continue;
    for (let i = t.opStart; i < t.opEnd; i++) if (w.opKind[i] === Op.RUN) sum += w.opArg[i]!;
  }
  return sum;
}

for (const { file, format } of REAL) {
  test(`${file}: detected as ${format} and converted into tasks that run and sleep`, async (t) => {
    const path = join(FIXTURES, file);
    const head = (await readFile(path, 'utf8')).split('\n').slice(0, 400);
    t.is(detectFormat(head), format);
    const warnings = new Warnings();
    const loaded = await loadTraceFile(path, undefined, NO_RULES, warnings);
    const w = loaded.workload;
    t.is(loaded.format, format);
    t.is(w.cpus, 2, 'the guest had 2 vCPUs');
    t.true(w.durationNs > 500_000_000, `trace covers ${w.durationNs} ns`);
    t.true(w.tasks.length >= 5);
    // The CPU hogs and the shell loop are there, as batch and service.
    const hogs = w.groups.find((g) => g.name === 'stress-ng-cpu');
    t.truthy(hogs, `groups: ${w.groups.map((g) => g.name).join(', ')}`);
    t.is(hogs!.kind, 'batch');
    t.true(groupCpu(w, 'stress-ng-cpu') > 0);
    t.is(w.groups.find((g) => g.name === 'bash')?.kind, 'service');
    t.true(w.groups.some((g) => g.name === 'kworker'), 'kworker/N:M threads grouped as kworker');
    // The recorded tasks cannot have used more CPU than 2 CPUs had.
    const total = w.groups.reduce((s, g) => s + groupCpu(w, g.name), 0);
    t.true(total <= 2 * w.durationNs * 1.001, `${total} ns of CPU in ${w.durationNs} ns on 2 CPUs`);
    for (let i = 0; i < w.opKind.length; i++) t.true(Number.isFinite(w.opArg[i]!) && w.opArg[i]! >= 0);
    // The recorded kernel's own wake-to-run latencies are kept for reference.
    t.true([...loaded.recordedWakeLatency!.values()].some((h) => h.count > 10));
    // And the workload replays through every policy without NaN.
    for (const mod of BUILTIN_POLICIES.values()) {
      const doc = policyJson(simulate(w, mod, model(2, w.durationNs), { checkInvariants: true }));
      t.false(JSON.stringify(doc).includes('NaN'));
      t.true(doc.groups['stress-ng-cpu']!.cpu_ns > 0);
    }
  });
}

test('--group rules put tasks in named groups by command name, the rest in "other"', async (t) => {
  const loaded = await loadTraceFile(join(FIXTURES, 'perf-sched.txt'), 'perf', {
    groups: [{ name: 'hog', pattern: /^stress-ng/ }, { name: 'shell', pattern: /^(bash|sleep|date)$/ }],
    slos: new Map([['shell', { budgetNs: 5_000_000, importance: 80 }]]),
    kinds: new Map([['hog', 'batch' as const]]),
  }, new Warnings());
  const names = loaded.workload.groups.map((g) => g.name).sort();
  t.deepEqual(names, ['hog', 'other', 'shell']);
  const shell = loaded.workload.groups.find((g) => g.name === 'shell')!;
  t.deepEqual(shell.slo, { budgetNs: 5_000_000, importance: 80 });
  t.is(loaded.workload.groups.find((g) => g.name === 'hog')!.kind, 'batch');
  // Only the --group rules are cgroups (for the eevdf baseline's hierarchy); "other" is the root's.
  for (const g of loaded.workload.groups) t.is(g.inRootCgroup === true, g.name === 'other', g.name);
});

test('run bursts and sleeps are rebuilt exactly from switch and wake-up events', async (t) => {
  const text = [
    '# tracer: nop',
    '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
    '          <idle>-0       [000] d..2.   100.000000: sched_wakeup: comm=svc pid=10 prio=120 target_cpu=000',
    '          <idle>-0       [000] d..2.   100.000010: sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=svc ' +
      'next_pid=10 next_prio=120',
    '             svc-10      [000] d..2.   100.000110: sched_switch: prev_comm=svc prev_pid=10 prev_prio=120 prev_state=R+ ==> next_comm=hog ' +
      'next_pid=20 next_prio=120',
    '             hog-20      [000] d..2.   100.000200: sched_switch: prev_comm=hog prev_pid=20 prev_prio=120 prev_state=R ==> next_comm=svc ' +
      'next_pid=10 next_prio=120',
    '             svc-10      [000] d..2.   100.000250: sched_switch: prev_comm=svc prev_pid=10 prev_prio=120 prev_state=S ==> next_comm=hog ' +
      'next_pid=20 next_prio=120',
    '             hog-20      [000] d..2.   100.001250: sched_wakeup: comm=svc pid=10 prio=120 target_cpu=000',
    '             hog-20      [000] d..2.   100.001300: sched_switch: prev_comm=hog prev_pid=20 prev_prio=120 prev_state=R ==> next_comm=svc ' +
      'next_pid=10 next_prio=120',
    '             svc-10      [000] .....   100.001400: sched_process_exit: comm=svc pid=10 prio=120 group_dead=true',
    '             svc-10      [000] d..2.   100.001500: sched_switch: prev_comm=svc prev_pid=10 prev_prio=120 prev_state=X ==> next_comm=hog ' +
      'next_pid=20 next_prio=120',
    '             hog-20      [000] d..2.   100.002000: sched_switch: prev_comm=hog prev_pid=20 prev_prio=120 prev_state=R ==> next_comm=swapper/0 ' +
      'next_pid=0 next_prio=120',
  ];
  const parsed = await parseKernelTraceText(text, 'ftrace', 'hand.txt', new Warnings());
  t.is(parsed.events.length, 10);
  const { workload: w, recordedWakeLatency } = schedEventsToWorkload(parsed.events, { ...NO_RULES, name: 'hand', source: 'ftrace', cpus: 1 });
  const ops = (comm: string) => {
    const task = w.tasks.find((x) => x.comm === comm)!;
    const out: Array<[number, number]> = [];
    for (let i = task.opStart; i < task.opEnd; i++) out.push([w.opKind[i]!, w.opArg[i]!]);
    return { task, out };
  };
  const svc = ops('svc');
  t.is(svc.task.startNs, 0);
  // 100 us + 50 us (a preemption in between), sleep 1 ms, 200 us, exit.
  t.deepEqual(svc.out, [[Op.RUN, 150_000], [Op.SLEEP, 1_000_000], [Op.RUN, 200_000], [Op.EXIT, 0]]);
  const hog = ops('hog');
  t.is(hog.task.startNs, 110_000);
  t.deepEqual(hog.out, [[Op.RUN, 90_000 + 1_050_000 + 500_000]]);
  t.is(recordedWakeLatency.get('svc')!.count, 2);
  t.is(recordedWakeLatency.get('svc')!.max, 50_000);
  t.is(commFamily('kworker/u8:1'), 'kworker');
  t.is(commFamily('ksoftirqd/0'), 'ksoftirqd');
  t.is(commFamily('stress-ng-cpu'), 'stress-ng-cpu');
});

test('trace-cmd report and perf sched script compact payloads parse too', async (t) => {
  const tc = await parseKernelTraceText([
    'cpus=4',
    '            bash-164   [003]     5.881759: sched_switch:         trace-cmd:164 [120] R ==> rcu_preempt:15 [120]',
    '     rcu_preempt-15    [003]     5.882665: sched_wakeup:         kworker/u8:1:29 [120] CPU:001',
  ], 'ftrace', 'tc.txt', new Warnings());
  t.is(tc.cpus, 4);
  t.deepEqual(tc.events.map((e) => e.kind), ['switch', 'wakeup']);
  const perf = await parseKernelTraceText([
    '            perf     188 [000]    21.999834:       sched:sched_waking: comm=migration/0 pid=18 prio=0 target_cpu=000',
    '            perf     188 [000]    21.999950:       sched:sched_switch: perf:188 [120] R ==> migration/0:18 [0]',
    '     migration/0      18 [001]    22.000190:       sched:sched_switch: migration/0:18 [0] S ==> swapper/0:0 [120]',
  ], 'perf', 'p.txt', new Warnings());
  t.is(perf.cpus, 2);
  t.is(perf.events.length, 3);
});

test('malformed kernel-trace lines are skipped with a warning naming file, line and field', async (t) => {
  const path = join(FIXTURES, 'ftrace-raw.txt');
  const lines = (await readFile(path, 'utf8')).split('\n');
  const at = lines.findIndex((l) => l.includes('sched_switch:')) + 1;
  lines.splice(at, 0, '            bash-155     [000] d..2.    14.034828: sched_switch: prev_comm=bash prev_pid=oops');
  const dir = await tempDir(t);
  const bad = join(dir, 'bad.txt');
  await writeFile(bad, lines.join('\n'));
  const warnings = new Warnings();
  const loaded = await loadTraceFile(bad, 'ftrace', NO_RULES, warnings);
  t.true(loaded.workload.tasks.length > 0);
  t.is(warnings.count, 1);
  t.regex(warnings.messages[0]!, new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${at + 1}: field "sched_switch": cannot parse the payload`));

  // A trace-cmd report line of a known event whose timestamp and fields are garbage does
  // not match the line pattern at all: it is reported too, and the replay goes on.
  const report = (await readFile(join(FIXTURES, 'ftrace-trace-cmd.txt'), 'utf8')).split('\n');
  const garbledAt = report.findIndex((l) => l.includes('sched_switch:')) + 1;
  report.splice(garbledAt, 0, '            bash-165   [000]    12.97x5310: sched_switch:         tr@ce:16#5 [1?0] D =!> ???');
  const garbled = join(dir, 'garbled.txt');
  await writeFile(garbled, report.join('\n'));
  const reportWarnings = new Warnings();
  const replayed = await loadTraceFile(garbled, 'ftrace', NO_RULES, reportWarnings);
  t.true(replayed.workload.tasks.length > 0, 'the replay goes on');
  t.is(reportWarnings.count, 1);
  t.regex(reportWarnings.messages[0]!, new RegExp(`^${garbled.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${garbledAt + 1}: field "sched_switch": not a ftrace / ` +
    `trace-cmd report event line`));

  await writeFile(join(dir, 'none.txt'), 'hello\nworld\n');
  await t.throwsAsync(loadTraceFile(join(dir, 'none.txt'), undefined, NO_RULES, new Warnings()), { instanceOf: InputError, message: /cannot tell the format/ });
  await t.throwsAsync(loadTraceFile(join(dir, 'none.txt'), 'perf', NO_RULES, new Warnings()), { instanceOf: InputError,
    message: /no sched_switch events found/ });
});
