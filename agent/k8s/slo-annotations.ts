// The pod annotations that set an SLO:
//
//   scx-slo/budget-ms: "20"     latency budget in ms (a positive decimal, "20ms" accepted,
//                               at most 3600000 = 1 hour)
//   scx-slo/importance: "80"    integer 1..100
//
// Each is read on its own: a bad one is reported and ignored, the other still applies.
import type { SloEntry } from '../../policy/api.js';
import { parseBudgetMs, parseImportance } from '../slo/slo-values.js';
import { configProblem, type ConfigProblem } from './config-problem.js';

export const BUDGET_ANNOTATION = 'scx-slo/budget-ms';
export const IMPORTANCE_ANNOTATION = 'scx-slo/importance';

export interface AnnotationSlo {
  /** The valid values found (either, both or none). */
  slo: Partial<SloEntry>;
  problems: ConfigProblem[];
}

/** Reads the SLO annotations of a pod; `podRef` ("ns/name") goes into the messages. */
export function sloFromAnnotations(annotations: Readonly<Record<string, string>> | undefined, podRef: string): AnnotationSlo {
  const slo: Partial<SloEntry> = {};
  const problems: ConfigProblem[] = [];
  if (!annotations) return { slo, problems };
  const where = `pod ${podRef} annotation `;
  if (Object.hasOwn(annotations, BUDGET_ANNOTATION)) {
    const raw = annotations[BUDGET_ANNOTATION];
    const parsed = parseBudgetMs(raw);
    if (parsed.ok) slo.budgetNs = parsed.value;
    else problems.push(configProblem('annotation', where, BUDGET_ANNOTATION, raw, parsed.error, 'ignored'));
  }
  if (Object.hasOwn(annotations, IMPORTANCE_ANNOTATION)) {
    const raw = annotations[IMPORTANCE_ANNOTATION];
    const parsed = parseImportance(raw);
    if (parsed.ok) slo.importance = parsed.value;
    else problems.push(configProblem('annotation', where, IMPORTANCE_ANNOTATION, raw, parsed.error, 'ignored'));
  }
  return { slo, problems };
}
