// `scx-slo run --overload-window-ms/--overload-slack-ms`: the operator's overload rule,
// with the built-in defaults when absent and errors that name the flag and the value.
import test from 'ava';
import { parseRunOptions } from '../run-options.js';
import { UsageError } from '../command.js';

test('the flags set the rule, with the defaults when absent, and bad values name the flag', (t) => {
  t.deepEqual(parseRunOptions([], {}).overload, { windowMs: 50, slackThresholdMs: 0 });
  t.deepEqual(parseRunOptions(['--overload-window-ms', '500', '--overload-slack-ms', '5'], {}).overload, { windowMs: 500, slackThresholdMs: 5 });
  t.throws(() => parseRunOptions(['--overload-window-ms', '0'], {}), { instanceOf: UsageError, message: /--overload-window-ms: .* got "0"/ });
  t.throws(() => parseRunOptions(['--overload-slack-ms', 'soon'], {}), { instanceOf: UsageError, message: /--overload-slack-ms: .* got "soon"/ });
});
