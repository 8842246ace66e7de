// The kernel support check's CPU limit: CPU lists as the kernel prints them, and the
// refusal of machines with more possible CPUs than the BPF scheduler handles.
import test from 'ava';
import { cpuLimitProblem, cpuListCount } from '../kernel-support.js';
import { SLO_MAX_CPUS } from '../kernel-abi.js';

test('CPU lists in the kernel format are counted', (t) => {
  t.is(cpuListCount('0'), 1);
  t.is(cpuListCount('0-1\n'), 2);
  t.is(cpuListCount('0-3,8,10-11'), 7);
  t.is(cpuListCount('0-1023'), 1024);
});

test('a CPU list that is not one is refused with the text in the error', (t) => {
  t.throws(() => cpuListCount('0-x'), { message: /cannot parse CPU list "0-x"/ });
  t.throws(() => cpuListCount('5-2'), { message: /range 5-2 runs backwards/ });
});

test('up to SLO_MAX_CPUS possible CPUs are fine, one more is refused with the limit named', (t) => {
  t.is(cpuLimitProblem(2), undefined);
  t.is(cpuLimitProblem(SLO_MAX_CPUS), undefined);
  const problem = cpuLimitProblem(SLO_MAX_CPUS + 1);
  t.truthy(problem);
  t.regex(problem ?? '', /1025 possible CPUs.*at most 1024/);
});
