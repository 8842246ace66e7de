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
  t.is(o.scheduler.urgentMaxNs, 'auto');
  t.is(o.workers, 0);
  t.deepEqual(o.warnings, []);
  const p = parseRunOptions(['--lag-ms', '50', '--slice-us', '3000', '--urgent-below-ms', '2', '--policy-opt', 'slice-us=100', '--workers', '2'], {});
  t.is(p.scheduler.lagNs, 50_000_000);
  t.is(p.scheduler.sliceNs, 3_000_000);
  t.is(p.scheduler.urgentMaxNs, 2_000_000);
  t.deepEqual(p.policyOptions, { 'slice-us': '100' });
  t.is(p.workers, 2);
  t.deepEqual(p.warnings, []);
});

test('the old name --direct-below-ms still works, with a deprecation warning', (t) => {
  const old = parseRunOptions(['--direct-below-ms', '3'], {});
  t.is(old.scheduler.urgentMaxNs, 3_000_000);
  t.deepEqual(old.warnings, ['--direct-below-ms is deprecated, use --urgent-below-ms (same meaning)']);
  t.throws(() => parseRunOptions(['--direct-below-ms', 'x'], {}), {
    instanceOf: UsageError,
    message: '--direct-below-ms: expected a number from 0 to 10000, got "x"',
  });
  t.throws(() => parseRunOptions(['--direct-below-ms', '3', '--urgent-below-ms', '3'], {}), { instanceOf: UsageError, message: /give only one/ });
});

test('bad option values are refused naming the option and the value', (t) => {
  t.throws(() => parseRunOptions(['--lag-ms', 'soon'], {}), { instanceOf: UsageError, message: '--lag-ms: expected a number from 0.05 to 10000, got "soon"' });
  t.throws(() => parseRunOptions(['--default-importance', '0'], {}), { instanceOf: UsageError, message: /--default-importance: .* got "0"/ });
  t.throws(() => parseRunOptions(['--policy-opt', 'novalue'], {}), { instanceOf: UsageError, message: /--policy-opt: expected KEY=VALUE, got "novalue"/ });
  t.throws(() => parseRunOptions(['--heartbeat-ms', '100', '--stall-ms', '50'], {}), {
    instanceOf: UsageError,
    message: /--heartbeat-ms 100 must be shorter than --stall-ms 50/,
  });
  t.throws(() => parseRunOptions(['--kubernetes'], {}), { instanceOf: UsageError, message: /NODE_NAME/ });
  t.throws(() => parseRunOptions(['--bogus'], {}), { instanceOf: UsageError });
  t.is(parseRunOptions(['--kubernetes'], { NODE_NAME: 'node-a' }).nodeName, 'node-a');
});

test('integer options refuse fractions instead of failing later or truncating', (t) => {
  t.throws(() => parseRunOptions(['--metrics-port', '18082.5'], {}), {
    instanceOf: UsageError,
    message: '--metrics-port: expected an integer from 0 to 65535, got "18082.5"',
  });
  t.throws(() => parseRunOptions(['--default-importance', '50.5'], {}), {
    instanceOf: UsageError,
    message: '--default-importance: expected an integer from 1 to 100, got "50.5"',
  });
  t.throws(() => parseRunOptions(['--workers', '1.5'], {}), { instanceOf: UsageError, message: /--workers: expected an integer/ });
  t.throws(() => parseRunOptions(['--miss-events', '1e3'], {}), { instanceOf: UsageError, message: /--miss-events: expected an integer/ });
  const o = parseRunOptions(['--metrics-port', '18082', '--default-importance', '60'], {});
  t.is(o.metricsPort, 18082);
  t.is(o.scheduler.defaultImportance, 60);
});
