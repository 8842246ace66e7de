// The worked example of policy/README.md, policy/examples/shortest-burst.ts, loaded by
// path as `--policy FILE` loads it: it passes the registry's checks, orders tasks by
// their last burst, and forgets exited tasks.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { NICE0_WEIGHT, TaskFlags, type Policy, type TaskRecord } from '../api.js';
import { loadPolicyModule } from '../registry.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLE = './dist/policy/examples/shortest-burst.js';

let seq = 0;
function rec(pid: number, enqNs: number, runtimeNs: number): TaskRecord {
  return { pid, tgid: pid, cgroupId: 0, sloCgroupId: 0, prevCpu: 0, enqNs, deadlineNs: enqNs + 51_000_000, runtimeNs, weight: NICE0_WEIGHT,
    flags: TaskFlags.WAKEUP, seq: ++seq };
}

test('the example policy loads by a path relative to the working directory', async (t) => {
  const mod = await loadPolicyModule(EXAMPLE, REPO);
  t.is(mod.name, 'shortest-burst');
  t.falsy(mod.urgentInKernel);
});

test('the example runs the task with the shortest last burst first, in ascending vtime', async (t) => {
  const p = (await loadPolicyModule(EXAMPLE, REPO)).createPolicy({ nrCpus: 2, slos: new Map(), options: { 'slice-us': '500' } });
  p.enqueue(rec(1, 0, 0));
  p.enqueue(rec(2, 0, 0));
  p.dispatch(0, 2);
  p.enqueue(rec(1, 10, 8_000_000)); // a hog: ran 8 ms
  p.enqueue(rec(2, 10, 100_000)); // interactive: ran 0.1 ms
  const out = p.dispatch(1_000, 10);
  t.deepEqual(out.map((d) => d.pid), [2, 1]);
  t.true(out[0]!.vtime < out[1]!.vtime, 'the kernel keeps the order');
  t.true(out.every((d) => d.sliceNs === 500_000));
  t.is(p.queued, 0);
});

test('the example forgets a task when the host reports its exit', async (t) => {
  const p = (await loadPolicyModule(EXAMPLE, REPO)).createPolicy({ nrCpus: 2, slos: new Map(), options: {} }) as Policy & { tracked: number };
  for (let pid = 1; pid <= 5; pid++) p.enqueue(rec(pid, 0, 0));
  p.dispatch(0, 5);
  t.is(p.tracked, 5);
  p.taskExited?.(2);
  p.taskExited?.(4);
  t.is(p.tracked, 3);
});
