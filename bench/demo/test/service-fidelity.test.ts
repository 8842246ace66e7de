// The demo's simulator fidelity for the service scenario, against the real `scx-slo sim`:
// the simulated slo-edf / default p99 ratio and within-budget share are read from the
// sim's JSON (requests.within_budget) with the agent's urgent bound, and compared.
import test from 'ava';
import { join } from 'node:path';
import { runServiceFidelity } from '../fidelity.js';
import { REPO_ROOT } from '../../../agent/bpf/test/bpf-fixture.js';

test('the service fidelity reads the sim\'s p99 ratio and within-budget share and judges them against the measurement', async (t) => {
  const f = await runServiceFidelity({
    cli: join(REPO_ROOT, 'dist', 'cli', 'main.js'),
    measuredEdfP99Ns: 6_000_000, measuredDefaultP99Ns: 80_000_000, measuredEdfWithinBudget: 0.999, durationMs: 2000,
  });
  t.true(f.available, f.reason ?? '');
  t.true(f.args.includes('--urgent-below-us'));
  t.is(typeof f.simWithinBudget, 'number');
  t.true(f.simWithinBudget! > 0 && f.simWithinBudget! <= 1);
  t.true(f.simRatio! > 0, 'edf / eevdf p99 from the sim');
  t.is(f.measuredRatio, 6_000_000 / 80_000_000);
  t.is(typeof f.ratioMet, 'boolean');
  t.is(typeof f.withinMet, 'boolean');
});
