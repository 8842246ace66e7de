// Kubernetes label selectors (metav1.LabelSelector: matchLabels + matchExpressions with
// In, NotIn, Exists, DoesNotExist), validated and compiled to a predicate with the
// apimachinery semantics: all requirements must hold; an empty selector matches every
// object; NotIn also matches objects without the label. Used by SLOPolicy.

export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type SelectorOperator = (typeof SELECTOR_OPERATORS)[number];

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface CompiledSelector {
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** Number of requirements (matchLabels entries + matchExpressions): its specificity. */
  readonly requirements: number;
}

export type SelectorResult = { ok: true; selector: CompiledSelector } | { ok: false; field: string; value: unknown; error: string };

type Requirement = (labels: Readonly<Record<string, string>>) => boolean;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates `raw` as a LabelSelector at `field` (e.g. "spec.selector") and compiles it. */
export function compileLabelSelector(raw: unknown, field: string): SelectorResult {
  if (!isRecord(raw)) return { ok: false, field, value: raw, error: 'must be an object with matchLabels and/or matchExpressions' };
  const reqs: Requirement[] = [];
  const { matchLabels, matchExpressions } = raw;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isRecord(matchLabels)) return { ok: false, field: `${field}.matchLabels`, value: matchLabels, error: 'must be a map of label to value' };
    for (const [key, value] of Object.entries(matchLabels)) {
      if (key === '') return { ok: false, field: `${field}.matchLabels`, value: key, error: 'label key must not be empty' };
      if (typeof value !== 'string') return { ok: false, field: `${field}.matchLabels.${key}`, value, error: 'must be a string' };
      reqs.push((labels) => Object.hasOwn(labels, key) && labels[key] === value);
    }
  }
  if (matchExpressions !== undefined && matchExpressions !== null) {
    if (!Array.isArray(matchExpressions)) return { ok: false, field: `${field}.matchExpressions`, value: matchExpressions, error: 'must be a list' };
    for (const [i, expr] of matchExpressions.entries()) {
      const at = `${field}.matchExpressions[${i}]`;
      if (!isRecord(expr)) return { ok: false, field: at, value: expr, error: 'must be an object with key, operator and values' };
      const { key, operator, values } = expr;
      if (typeof key !== 'string' || key === '') return { ok: false, field: `${at}.key`, value: key, error: 'must be a non-empty string' };
      if (typeof operator !== 'string' || !(SELECTOR_OPERATORS as readonly string[]).includes(operator)) {
        return { ok: false, field: `${at}.operator`, value: operator, error: `must be one of ${SELECTOR_OPERATORS.join(', ')}` };
      }
      const op = operator as SelectorOperator;
      if (op === 'In' || op === 'NotIn') {
        if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string')) {
          return { ok: false, field: `${at}.values`, value: values, error: `must be a non-empty list of strings for operator ${op}` };
        }
        const set = new Set(values as string[]);
        reqs.push(op === 'In' ? (labels) => Object.hasOwn(labels, key) && set.has(labels[key]!)
          : (labels) => !Object.hasOwn(labels, key) || !set.has(labels[key]!));
      } else {
        if (values !== undefined && values !== null && !(Array.isArray(values) && values.length === 0)) {
          return { ok: false, field: `${at}.values`, value: values, error: `must be empty for operator ${op}` };
        }
        reqs.push(op === 'Exists' ? (labels) => Object.hasOwn(labels, key) : (labels) => !Object.hasOwn(labels, key));
      }
    }
  }
  return {
    ok: true,
    selector: {
      requirements: reqs.length,
      matches(labels) {
        const l = labels ?? {};
        return reqs.every((r) => r(l));
      },
    },
  };
}
