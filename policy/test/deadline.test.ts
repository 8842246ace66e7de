// The EDF deadline formula at its edges: importance 1 and 100, zero and huge budgets,
// u64 overflow, and the fast Number form against the exact BigInt reference; and row by
// row against deadline-table.json, the table the BPF scheduler's copy is checked with.
import test from 'ava';
import { MAX_BUDGET_NS } from '../api.js';
import { U64_MAX, clampImportance, edfDeadlineU64, edfDelayNs } from '../deadline.js';
import { deadlineTable } from './deadline-table.js';

test('importance 1 gives the whole budget, importance 100 a hundredth of it', (t) => {
  t.is(edfDeadlineU64(1_000n, 100_000_000n, 1), 1_000n + 100_000_000n);
  t.is(edfDeadlineU64(1_000n, 100_000_000n, 100), 1_000n + 1_000_000n);
  t.is(edfDeadlineU64(0n, 20_000_000n, 90), 2_200_000n);
});

test('importance outside 1..100 is clamped, fractional truncated', (t) => {
  t.is(clampImportance(0), 1);
  t.is(clampImportance(-5), 1);
  t.is(clampImportance(101), 100);
  t.is(clampImportance(55.9), 55);
  t.is(clampImportance(Number.POSITIVE_INFINITY), 100);
  t.is(clampImportance(Number.NaN), 50);
  t.is(edfDeadlineU64(0n, 100n, 1000), edfDeadlineU64(0n, 100n, 100));
});

test('a zero budget makes the deadline now', (t) => {
  t.is(edfDeadlineU64(42n, 0n, 1), 42n);
  t.is(edfDelayNs(0, 50), 0);
});

test('huge budgets and late clocks saturate at 2^64-1 instead of wrapping', (t) => {
  t.is(edfDeadlineU64(0n, U64_MAX, 1), U64_MAX, 'budget * 100 overflows');
  t.is(edfDeadlineU64(U64_MAX - 10n, 1_000n, 1), U64_MAX, 'now + delay overflows');
  t.is(edfDeadlineU64(U64_MAX, 0n, 1), U64_MAX);
  // Just below the multiplication's overflow point the exact product is kept.
  const limit = U64_MAX / 100n;
  t.is(edfDeadlineU64(0n, limit, 1), (limit * 100n) / 100n);
  t.is(edfDeadlineU64(0n, limit + 1n, 1), U64_MAX);
  // A budget whose product is exactly 2^64-1 does not overflow (factor 85 divides it).
  t.is(edfDeadlineU64(0n, U64_MAX / 85n, 16), (U64_MAX / 85n) * 85n / 100n);
});

test('negative inputs are treated as zero', (t) => {
  t.is(edfDeadlineU64(-5n, -7n, 50), 0n);
});

test('the Number form equals the exact form for every budget up to one hour', (t) => {
  const budgets = [0, 1, 99, 100, 101, 999_999, 1_000_000, 20_000_000, 123_456_789, MAX_BUDGET_NS - 1, MAX_BUDGET_NS];
  for (const budget of budgets) {
    for (const importance of [1, 2, 33, 50, 99, 100]) {
      t.is(BigInt(edfDelayNs(budget, importance)), edfDeadlineU64(0n, BigInt(budget), importance), `${budget} ns at ${importance}`);
    }
  }
  t.is(edfDelayNs(MAX_BUDGET_NS * 10, 1), MAX_BUDGET_NS, 'budgets past one hour are capped');
});

test('every row of the shared deadline table holds for the TypeScript formula', (t) => {
  const rows = deadlineTable();
  for (const row of rows) t.is(edfDeadlineU64(row.nowNs, row.budgetNs, row.importance), row.deadlineNs, row.what);
  t.true(rows.length >= 10, `${rows.length} rows`);
});
