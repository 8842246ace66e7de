// `scx-slo run` on this development host, whose kernel has no sched_ext: it must say
// what is missing and exit non-zero, having changed nothing; and bad options are
// refused naming the option and the value.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunOptions } from '../run-options.js';
import { UsageError } from '../command.js';
import { REPO_ROOT } from '../../agent/bpf/test/bpf-fixture.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const hostHasSchedExt = existsSync('/sys/kernel/sched_ext/state');

(hostHasSchedExt ? test.skip : test)('run on a kernel without sched_ext names what is missing and exits 1', (t) => {
  const socket = join(REPO_ROOT, '.cache', `no-sched-ext-${process.pid}.sock`);
  const res = spawnSync('node', [CLI, 'run', '--metrics-port', '0', '--control-socket', socket], { encoding: 'utf8', timeout: 60_000 });
  t.is(res.status, 1, res.stderr);
  t.regex(res.stderr, /has no sched_ext \(needs Linux >= 6\.12 built with CONFIG_SCHED_CLASS_EXT=y\)/);
  t.false(existsSync(socket), 'nothing was set up');
});

test('options are parsed into nanoseconds with the documented defaults', (t) => {
  const o = parseRunOptions([], {});
  t.is(o.policy, 'edf');
  t.is(o.scheduler.lagNs, 5_000_000);
  t.is(o.scheduler.stallNs, 50_000_000);
  t.is(o.scheduler.sliceNs, 5_000_000);
  t.is(o.scheduler.directMaxNs, 'auto');
  t.is(o.workers, 0);
  const p = parseRunOptions(['--lag-ms', '50', '--slice-us', '3000', '--direct-below-ms', '2', '--policy-opt', 'slice-us=100', '--workers', '2'], {});
  t.is(p.scheduler.lagNs, 50_000_000);
  t.is(p.scheduler.sliceNs, 3_000_000);
  t.is(p.scheduler.directMaxNs, 2_000_000);
  t.deepEqual(p.policyOptions, { 'slice-us': '100' });
  t.is(p.workers, 2);
});

test('bad option values are refused naming the option and the value', (t) => {
  t.throws(() => parseRunOptions(['--lag-ms', 'soon'], {}), { instanceOf: UsageError, message: '--lag-ms: expected a number from 0.05 to 10000, got "soon"' });
  t.throws(() => parseRunOptions(['--default-importance', '0'], {}), { instanceOf: UsageError, message: /--default-importance: .* got "0"/ });
  t.throws(() => parseRunOptions(['--policy-opt', 'novalue'], {}), { instanceOf: UsageError, message: /--policy-opt: expected KEY=VALUE, got "novalue"/ });
  t.throws(() => parseRunOptions(['--heartbeat-ms', '100', '--stall-ms', '50'], {}), { instanceOf: UsageError, message: /--heartbeat-ms 100 must be shorter than --stall-ms 50/ });
  t.throws(() => parseRunOptions(['--kubernetes'], {}), { instanceOf: UsageError, message: /NODE_NAME/ });
  t.throws(() => parseRunOptions(['--bogus'], {}), { instanceOf: UsageError });
  t.is(parseRunOptions(['--kubernetes'], { NODE_NAME: 'node-a' }).nodeName, 'node-a');
});
