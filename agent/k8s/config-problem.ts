// One bad SLO configuration value found in Kubernetes (a pod annotation or an SLOPolicy
// field): which source, which field, the value as written and a sentence for logs and
// Events. Problems never stop anything: the value is ignored and the pod falls back to
// the other source or the default.
import type { ConfigSource } from '../metrics/config-errors.js';
import { quoteValue } from '../slo/slo-values.js';

export interface ConfigProblem {
  source: Extract<ConfigSource, 'annotation' | 'slopolicy'>;
  /** The field: an annotation name, or an SLOPolicy path such as "spec.budgetMs". */
  field: string;
  /** The value as written (a string for annotations). */
  value: unknown;
  /** Full sentence naming the field and the value, e.g. for a Kubernetes Event. */
  message: string;
  /** For SLOPolicy problems, the policy the value is in. */
  policy?: { namespace: string; name: string; uid: string };
}

/** Builds a problem whose message reads `<where> <field>: invalid value <value>: <rule>; <consequence>`. */
export function configProblem(
  source: ConfigProblem['source'],
  where: string,
  field: string,
  value: unknown,
  rule: string,
  consequence: string,
  policy?: ConfigProblem['policy'],
): ConfigProblem {
  const message = `${where}${field}: invalid value ${quoteValue(value)}: ${rule}; ${consequence}`;
  return policy ? { source, field, value, message, policy } : { source, field, value, message };
}

/** A stable key for deduplication: same source, field and value = same problem. */
export function problemKey(p: ConfigProblem): string {
  return `${p.source}\u0000${p.policy?.uid ?? ''}\u0000${p.field}\u0000${quoteValue(p.value)}`;
}
