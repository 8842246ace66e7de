// The SLO grant clamp: a request within the grant is untouched, a tighter budget is
// raised and a higher importance lowered to the grant, each reported; unnamed namespaces
// get the default grant (budget >= 100 ms, importance <= 50).
import test from 'ava';
import { clampToGrant, DEFAULT_SLO_GRANT, DEFAULT_SLO_GRANTS, grantFor, UNLIMITED_SLO_GRANT } from '../slo-grant.js';

test('a request within the grant is applied as asked', (t) => {
  t.deepEqual(clampToGrant({ budgetNs: 200_000_000, importance: 10 }, DEFAULT_SLO_GRANT), {
    slo: { budgetNs: 200_000_000, importance: 10 }, budgetClamped: false, importanceClamped: false,
  });
  t.deepEqual(clampToGrant({ budgetNs: 100_000_000, importance: 50 }, DEFAULT_SLO_GRANT).slo, { budgetNs: 100_000_000, importance: 50 },
    'the bounds are allowed');
});

test('a tighter budget and a higher importance are clamped to the grant, each flagged', (t) => {
  t.deepEqual(clampToGrant({ budgetNs: 1_000, importance: 100 }, DEFAULT_SLO_GRANT), {
    slo: { budgetNs: 100_000_000, importance: 50 }, budgetClamped: true, importanceClamped: true,
  });
  t.deepEqual(clampToGrant({ budgetNs: 1_000, importance: 10 }, DEFAULT_SLO_GRANT), {
    slo: { budgetNs: 100_000_000, importance: 10 }, budgetClamped: true, importanceClamped: false,
  });
});

test('the unlimited grant changes nothing; unnamed namespaces get the default grant', (t) => {
  t.deepEqual(clampToGrant({ budgetNs: 1, importance: 100 }, UNLIMITED_SLO_GRANT).slo, { budgetNs: 1, importance: 100 });
  t.deepEqual(grantFor(DEFAULT_SLO_GRANTS, 'anyone'), { minBudgetNs: 100_000_000, maxImportance: 50 });
  const grants = { default: DEFAULT_SLO_GRANT, namespaces: new Map([['shop', { minBudgetNs: 5_000_000, maxImportance: 90 }]]) };
  t.is(grantFor(grants, 'shop').maxImportance, 90);
  t.is(grantFor(grants, 'shopping').maxImportance, 50);
});
