// `scx-slo sim --urgent-below-us` and its deprecated old name --direct-max-us: the same
// model value, the old name with a warning on stderr, both at once refused.
import test from 'ava';
import { parseSimArgs } from '../sim-args.js';
import { UsageError } from '../command.js';

function urgentMaxNs(argv: string[]): number {
  const args = parseSimArgs(['--scenario', 'steady', ...argv]);
  if (args.command !== 'replay') throw new Error('expected a replay');
  return args.model.directMaxNs;
}

test('--urgent-below-us sets the urgent threshold, and the old --direct-max-us still does with a warning', (t) => {
  const warnings: string[] = [];
  const original = console.error;
  console.error = (line: unknown) => warnings.push(String(line));
  try {
    t.is(urgentMaxNs(['--urgent-below-us', '250']), 250_000);
    t.deepEqual(warnings, []);
    t.is(urgentMaxNs(['--direct-max-us', '250']), 250_000);
    t.deepEqual(warnings, ['warning: --direct-max-us is deprecated, use --urgent-below-us (same meaning)']);
  } finally {
    console.error = original;
  }
  t.throws(() => urgentMaxNs(['--urgent-below-us', '1', '--direct-max-us', '1']), { instanceOf: UsageError, message: /give only one/ });
});
