// Ordering properties of the built-in policies.
import test from 'ava';
import { NICE0_WEIGHT, TaskFlags, type PolicyContext, type SloEntry, type TaskRecord } from '../api.js';
import edf from '../policies/edf.js';
import fair from '../policies/fair.js';
import fifo from '../policies/fifo.js';
import { BUILTIN_POLICIES, loadPolicyModule } from '../registry.js';
import { edfDelayNs, sloOrDefault } from '../deadline.js';

function ctx(slos: Map<number, SloEntry> = new Map(), options: Record<string, string> = {}): PolicyContext {
  return { nrCpus: 4, slos, options };
}

let seq = 0;
/** A record as the kernel sends it: its deadline from the SLO in `slos` (or the default). */
function rec(pid: number, enqNs: number, sloCgroupId = 0, runtimeNs = 0, weight = NICE0_WEIGHT, slos: ReadonlyMap<number, SloEntry> = new Map()): TaskRecord {
  const slo = sloOrDefault(slos.get(sloCgroupId));
  const deadlineNs = enqNs + edfDelayNs(slo.budgetNs, slo.importance);
  return { pid, tgid: pid, cgroupId: sloCgroupId, sloCgroupId, prevCpu: 0, enqNs, deadlineNs, runtimeNs, weight, flags: TaskFlags.WAKEUP, seq: ++seq };
}

test('edf runs a tight, important workload ahead of a lax one that woke earlier', (t) => {
  const slos = new Map<number, SloEntry>([[1, { budgetNs: 10_000_000, importance: 90 }], [2, { budgetNs: 500_000_000, importance: 10 }]]);
  const p = edf.createPolicy(ctx(slos));
  p.enqueue(rec(100, 0, 2, 0, NICE0_WEIGHT, slos));
  p.enqueue(rec(101, 5_000_000, 1, 0, NICE0_WEIGHT, slos));
  const out = p.dispatch(0, 10);
  t.deepEqual(out.map((d) => d.pid), [101, 100]);
  t.is(out[0]!.vtime, 5_000_000 + 1_100_000);
  t.is(out[1]!.vtime, 0 + 455_000_000);
});

test('edf uses the default 100 ms budget for workloads with no SLO', (t) => {
  const p = edf.createPolicy(ctx());
  p.enqueue(rec(1, 1000, 77));
  t.is(p.dispatch(0, 1)[0]!.vtime, 1000 + 51_000_000);
});

test('edf output is sorted by deadline and ties keep arrival order', (t) => {
  const p = edf.createPolicy(ctx());
  const deadlines = [30, 10, 20, 10, 50, 0, 10].map((ms) => ms * 1_000_000);
  deadlines.forEach((enq, i) => p.enqueue(rec(i + 1, enq)));
  const out = p.dispatch(0, 100);
  for (let i = 1; i < out.length; i++) t.true(out[i - 1]!.vtime <= out[i]!.vtime);
  t.deepEqual(out.filter((d) => d.vtime === 10_000_000 + 51_000_000).map((d) => d.pid), [2, 4, 7]);
  t.is(p.queued, 0);
});

test('edf gives tight budgets short slices and respects the slice option', (t) => {
  const slos = new Map<number, SloEntry>([[1, { budgetNs: 1_000_000, importance: 100 }]]);
  const p = edf.createPolicy(ctx(slos, { 'slice-us': '2000' }));
  p.enqueue(rec(1, 0, 1, 0, NICE0_WEIGHT, slos));
  p.enqueue(rec(2, 0, 0, 0, NICE0_WEIGHT, slos));
  const [tight, lax] = p.dispatch(0, 2);
  t.is(tight!.sliceNs, 250_000, 'clamped up to the minimum slice');
  t.is(lax!.sliceNs, 2_000_000);
  t.throws(() => edf.createPolicy(ctx(new Map(), { 'slice-us': 'abc' })), { message: /slice-us.*"abc"/ });
});

test('edf orders by the deadline the kernel computed, whatever its own SLO table says', (t) => {
  // The kernel resolved task 2's SLO (say, a parent cgroup's) to a tighter one than the
  // policy's table knows: the record's deadline wins, and the slice follows it.
  const p = edf.createPolicy(ctx());
  p.enqueue({ ...rec(1, 0, 7), deadlineNs: 40_000_000 });
  p.enqueue({ ...rec(2, 1_000_000, 7), deadlineNs: 1_000_000 + 600_000 });
  const out = p.dispatch(0, 2);
  t.deepEqual(out.map((d) => [d.pid, d.vtime, d.sliceNs]), [[2, 1_600_000, 600_000], [1, 40_000_000, 5_000_000]]);
});

test('dispatch returns at most max decisions and keeps the rest queued', (t) => {
  const p = fifo.createPolicy(ctx());
  for (let i = 0; i < 5; i++) p.enqueue(rec(i, i));
  t.is(p.dispatch(0, 2).length, 2);
  t.is(p.queued, 3);
  t.deepEqual(p.dispatch(0, 10).map((d) => d.pid), [2, 3, 4]);
});

test('fifo ignores SLOs and keeps arrival order', (t) => {
  const slos = new Map<number, SloEntry>([[1, { budgetNs: 1_000, importance: 100 }]]);
  const p = fifo.createPolicy(ctx(slos));
  p.enqueue(rec(1, 10, 0));
  p.enqueue(rec(2, 20, 1));
  t.deepEqual(p.dispatch(0, 2).map((d) => d.pid), [1, 2]);
});

test('fair runs the task that used less weighted CPU first, and weight scales it', (t) => {
  const p = fair.createPolicy(ctx());
  p.enqueue(rec(1, 0, 0, 0));
  p.enqueue(rec(2, 0, 0, 0));
  p.dispatch(0, 2);
  p.enqueue(rec(1, 10, 0, 9_000_000)); // ran 9 ms
  p.enqueue(rec(2, 10, 0, 1_000_000)); // ran 1 ms
  t.deepEqual(p.dispatch(0, 2).map((d) => d.pid), [2, 1]);
  const q = fair.createPolicy(ctx());
  q.enqueue(rec(3, 0, 0, 0, 100));
  q.enqueue(rec(4, 0, 0, 0, 400));
  q.dispatch(0, 2);
  q.enqueue(rec(3, 0, 0, 4_000_000, 100)); // 4 ms at weight 100 -> 4 ms vruntime
  q.enqueue(rec(4, 0, 0, 8_000_000, 400)); // 8 ms at weight 400 -> 2 ms vruntime
  t.deepEqual(q.dispatch(0, 2).map((d) => d.pid), [4, 3]);
});

test('fair bounds the credit a long sleeper gets', (t) => {
  const p = fair.createPolicy(ctx(new Map(), { 'slice-us': '3000' }));
  p.enqueue(rec(1, 0, 0, 0));
  p.dispatch(0, 1);
  for (let i = 1; i <= 10; i++) {
    p.enqueue(rec(1, i, 0, i * 10_000_000));
    p.dispatch(0, 1);
  }
  p.enqueue(rec(2, 100, 0, 0)); // new task: starts at the minimum, not at 0
  const [d] = p.dispatch(0, 1);
  t.true(d!.vtime >= 100_000_000 - 3_000_000 - 1, `placed at ${d!.vtime}`);
});

test('policies load by name and by file path; bad modules are refused with the reason', async (t) => {
  t.is(await loadPolicyModule('edf'), edf);
  t.deepEqual([...BUILTIN_POLICIES.keys()], ['edf', 'fair', 'fifo']);
  const byPath = await loadPolicyModule(new URL('../policies/fifo.js', import.meta.url).pathname);
  t.is(byPath.name, 'fifo');
  await t.throwsAsync(loadPolicyModule('nope'), { message: /not a built-in policy/ });
  await t.throwsAsync(loadPolicyModule('./does/not/exist.js'), { message: /cannot load/ });
  await t.throwsAsync(loadPolicyModule(new URL('../api.js', import.meta.url).pathname), { message: /apiVersion/ });
});

test('fair forgets an exited task: its pid, reused, starts afresh at the queue minimum', (t) => {
  const run = (exit: boolean): number => {
    const p = fair.createPolicy(ctx());
    p.enqueue(rec(1, 0, 0, 0));
    p.enqueue(rec(2, 0, 0, 0));
    p.dispatch(0, 2);
    p.enqueue(rec(1, 1, 0, 50_000_000)); // pid 1 ran 50 ms: far behind in vruntime
    p.enqueue(rec(2, 1, 0, 1_000_000));
    p.dispatch(0, 2);
    if (exit) p.taskExited?.(1);
    p.enqueue(rec(1, 2, 0, 0)); // pid 1 again: a new task when the old one exited
    return p.dispatch(0, 1)[0]!.vtime;
  };
  t.is(run(false), 50_000_000, 'without the exit, the old task\'s vruntime is kept');
  t.is(run(true), 1_000_000, 'after the exit, the new task starts at the minimum handed out');
});
