// Validation of the two SLO values a user writes by hand, shared by every SLO source (pod
// annotations, SLOPolicy objects, the config file): a latency budget in milliseconds and
// an importance. Each parser takes what the user wrote (a string or a number) and returns
// the value in the SloEntry's units, or an error sentence that names the rule broken; the
// caller prefixes the field name and the value.
import { MAX_BUDGET_NS } from '../../policy/api.js';

/** Importance bounds (SloEntry.importance). */
export const MIN_IMPORTANCE = 1;
export const MAX_IMPORTANCE = 100;
/** Largest budget in ms (1 hour). */
export const MAX_BUDGET_MS = MAX_BUDGET_NS / 1_000_000;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** A decimal number of milliseconds, optionally suffixed "ms": "20", "20ms", "0.5", "2.5 ms". */
const BUDGET_TEXT = /^(\d+(?:\.\d*)?|\.\d+)\s*(?:ms)?$/;
const INTEGER_TEXT = /^[+]?\d+$/;

const BUDGET_RULE = `must be a positive number of milliseconds (e.g. 20 or "20ms"), at most ${MAX_BUDGET_MS} (1 hour)`;
const IMPORTANCE_RULE = `must be an integer from ${MIN_IMPORTANCE} to ${MAX_IMPORTANCE}`;

/** A latency budget given in milliseconds (number, or string as in `scx-slo/budget-ms`), as ns. */
export function parseBudgetMs(raw: unknown): Parsed<number> {
  let ms: number;
  if (typeof raw === 'number') {
    ms = raw;
  } else if (typeof raw === 'string' && BUDGET_TEXT.test(raw.trim())) {
    ms = Number.parseFloat(raw.trim());
  } else {
    return { ok: false, error: BUDGET_RULE };
  }
  if (!Number.isFinite(ms) || ms <= 0 || ms > MAX_BUDGET_MS) return { ok: false, error: BUDGET_RULE };
  const ns = Math.round(ms * 1_000_000);
  if (ns < 1) return { ok: false, error: `${BUDGET_RULE}; it is below 1 ns` };
  return { ok: true, value: ns };
}

/** An importance 1..100 (number, or decimal integer string as in `scx-slo/importance`). */
export function parseImportance(raw: unknown): Parsed<number> {
  let n: number;
  if (typeof raw === 'number') {
    n = raw;
  } else if (typeof raw === 'string' && INTEGER_TEXT.test(raw.trim())) {
    n = Number.parseInt(raw.trim(), 10);
  } else {
    return { ok: false, error: IMPORTANCE_RULE };
  }
  if (!Number.isInteger(n) || n < MIN_IMPORTANCE || n > MAX_IMPORTANCE) return { ok: false, error: IMPORTANCE_RULE };
  return { ok: true, value: n };
}

/** How a user's value is quoted in messages: strings in JSON quotes, the rest as JSON. */
export function quoteValue(raw: unknown): string {
  if (raw === undefined) return 'undefined';
  // JSON has no spelling for these (JSON.stringify says "null"); YAML's, where they come from.
  if (typeof raw === 'number' && !Number.isFinite(raw)) return Number.isNaN(raw) ? '.nan' : raw > 0 ? '.inf' : '-.inf';
  try {
    const text = JSON.stringify(raw);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(raw);
  }
}
