// The EDF deadline formula, deadline = now + budget_ns * (101 - importance) / 100, with
// saturating u64 arithmetic. `edfDeadlineU64` is the exact reference (BigInt, the same
// arithmetic as the BPF side's slo_deadline()); `edfDelayNs` is the fast Number form the
// policies use on their hot path, exact for every budget up to MAX_BUDGET_NS.
import { DEFAULT_BUDGET_NS, DEFAULT_IMPORTANCE, MAX_BUDGET_NS, type SloEntry } from './api.js';

export const U64_MAX = (1n << 64n) - 1n;

/** Importance clamped to 1..100 (non-integers truncated, NaN -> default). */
export function clampImportance(importance: number): number {
  if (!Number.isFinite(importance)) return Number.isNaN(importance) ? DEFAULT_IMPORTANCE : importance > 0 ? 100 : 1;
  const i = Math.trunc(importance);
  return i < 1 ? 1 : i > 100 ? 100 : i;
}

/** Exact u64 deadline: saturates at 2^64-1 instead of wrapping. Inputs are u64 values. */
export function edfDeadlineU64(nowNs: bigint, budgetNs: bigint, importance: number): bigint {
  const now = nowNs < 0n ? 0n : nowNs > U64_MAX ? U64_MAX : nowNs;
  const budget = budgetNs < 0n ? 0n : budgetNs > U64_MAX ? U64_MAX : budgetNs;
  const factor = BigInt(101 - clampImportance(importance));
  // budget * factor may exceed u64: then the delay saturates, as in the C side's
  // slo_deadline(); otherwise the exact product is divided.
  const delay = budget > U64_MAX / factor ? U64_MAX : (budget * factor) / 100n;
  return now > U64_MAX - delay ? U64_MAX : now + delay;
}

/** The delay part, budget * (101 - importance) / 100, in ns, for budgets within MAX_BUDGET_NS. */
export function edfDelayNs(budgetNs: number, importance: number): number {
  const budget = budgetNs > MAX_BUDGET_NS ? MAX_BUDGET_NS : budgetNs < 0 ? 0 : budgetNs;
  // budget <= 3.6e12 and factor <= 100: the product stays far below 2^53, so this is exact
  // integer arithmetic followed by the same truncating division as the u64 form.
  return Math.floor((budget * (101 - clampImportance(importance))) / 100);
}

/** Budget and importance for an SLO cgroup, or the defaults when it has none. */
export function sloOrDefault(slo: SloEntry | undefined): SloEntry {
  return slo ?? { budgetNs: DEFAULT_BUDGET_NS, importance: DEFAULT_IMPORTANCE };
}
