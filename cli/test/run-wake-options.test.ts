// `scx-slo run --wake-batch/--wake-after-us/--ring-wait`: how the kernel wakes the agent
// and how it waits, with the defaults when absent and errors that name the flag and value.
import test from 'ava';
import { parseRunOptions } from '../run-options.js';
import { UsageError } from '../command.js';

test('the wake-up flags reach the scheduler config, with the defaults when absent', (t) => {
  const d = parseRunOptions([], {}).scheduler;
  t.is(d.wakeBatch, 0);
  t.is(d.wakeAfterNs, 'auto');
  t.is(d.ringWait, 'async');
  const s = parseRunOptions(['--wake-batch', '32', '--wake-after-us', '2000', '--ring-wait', 'blocking'], {}).scheduler;
  t.is(s.wakeBatch, 32);
  t.is(s.wakeAfterNs, 2_000_000);
  t.is(s.ringWait, 'blocking');
});

test('bad wake-up flags name the flag and the value', (t) => {
  t.throws(() => parseRunOptions(['--wake-batch', '1.5'], {}), { instanceOf: UsageError, message: /--wake-batch: .*got "1.5"/ });
  t.throws(() => parseRunOptions(['--wake-after-us', '0'], {}), { instanceOf: UsageError, message: /--wake-after-us: .*got "0"/ });
  t.throws(() => parseRunOptions(['--ring-wait', 'spin'], {}), { instanceOf: UsageError, message: /--ring-wait: .*"spin"/ });
});
