// The guest suite's reading of the kernel log, on lines in the form the kernel prints
// them (kernel/sched/ext.c): a clean detach passes; an error exit, a watchdog stall, a
// missing or doubled exit report each fail with the offending line.
import test from 'ava';
import { scenarioLogProblems, schedExtExitReports, schedExtProblems } from './kernel-log.js';

const enabled = '[   12.345678] sched_ext: BPF scheduler "slo" enabled';
const unregistered = '[   40.000001] sched_ext: BPF scheduler "slo" disabled (unregistered from user space)';

test('a scenario that ends with the agent unregistering is clean', (t) => {
  t.deepEqual(scenarioLogProblems([enabled, '[   20.1] random: crng init done', unregistered], 'slo'), []);
});

test('an error exit is reported with its reason', (t) => {
  const lines = [
    enabled,
    '[   30.0] sched_ext: BPF scheduler "slo" disabled (runtime error)',
    '[   30.0] sched_ext: slo: invalid CPU 4096 in SCX_DSQ_LOCAL_ON verdict',
  ];
  const problems = scenarioLogProblems(lines, 'slo');
  t.true(problems.some((p) => p.includes('"runtime error"')), problems.join('\n'));
});

test('a watchdog stall is a problem even when the exit report looks clean', (t) => {
  const stall = '[   33.3] sched_ext: BPF scheduler "slo" runnable task stall (kworker/0:1[12] failed to run for 30.5s)';
  t.deepEqual(schedExtProblems([enabled, stall, unregistered]), [stall]);
  t.is(scenarioLogProblems([enabled, stall, unregistered], 'slo').length, 1);
});

test('a scenario without an exit report, or with two, is not clean', (t) => {
  t.regex(scenarioLogProblems([enabled], 'slo').join(), /found 0/);
  t.regex(scenarioLogProblems([enabled, unregistered, enabled, unregistered], 'slo').join(), /found 2/);
});

test('exit reports of other schedulers are not ours', (t) => {
  t.deepEqual(
    schedExtExitReports(['[ 1.0] sched_ext: BPF scheduler "simple" disabled (unregistered from user space)', unregistered], 'slo'),
    ['unregistered from user space'],
  );
});
