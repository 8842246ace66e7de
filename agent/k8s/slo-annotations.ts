// The pod annotations that set an SLO:
//
//   scx-slo/budget-ms: "20"     latency budget in ms (a positive decimal, "20ms" accepted,
//                               at most 3600000 = 1 hour)
//   scx-slo/importance: "80"    integer 1..100
//
// Each is read on its own: a bad one is reported and ignored, the other still applies.
//
// The original scx-slo write-ups (e.g. a Bottlerocket guide) used `slo.latency.p99: "200ms"`
// and similar `slo.latency.*` keys. scx-slo does not read them; each one is reported (a
// Warning Event on the pod, counted like a bad value) pointing at the keys above, with the
// budget it would translate to when the value reads as a duration.
import type { SloEntry } from '../../policy/api.js';
import { parseBudgetMs, parseImportance } from '../slo/slo-values.js';
import { configProblem, type ConfigProblem } from './config-problem.js';

export const BUDGET_ANNOTATION = 'scx-slo/budget-ms';
export const IMPORTANCE_ANNOTATION = 'scx-slo/importance';

/** Keys of the original write-ups that users may still set. */
export const LEGACY_ANNOTATION_PREFIX = 'slo.latency.';

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
  for (const key of Object.keys(annotations)) {
    if (!key.startsWith(LEGACY_ANNOTATION_PREFIX)) continue;
    const raw = annotations[key];
    const asMs = legacyBudgetMs(raw);
    const hint = asMs === undefined ? '"<milliseconds>"' : JSON.stringify(String(asMs));
    problems.push(configProblem('annotation', where, key, raw,
      `scx-slo does not read ${LEGACY_ANNOTATION_PREFIX}* annotations; set ${BUDGET_ANNOTATION}: ${hint} and ` +
        `${IMPORTANCE_ANNOTATION}: "1".."100" instead`, 'ignored'));
  }
  return { slo, problems };
}

/** "200ms", "0.2s", "150us" or a bare number of ms as milliseconds; undefined otherwise. */
function legacyBudgetMs(raw: string | undefined): number | undefined {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(us|µs|ms|s)?\s*$/.exec(raw ?? '');
  if (!m) return undefined;
  const scale = { us: 0.001, µs: 0.001, ms: 1, s: 1000 }[(m[2] ?? 'ms') as 'us' | 'µs' | 'ms' | 's'];
  const ms = Number(m[1]) * scale;
  return ms > 0 ? Number(ms.toPrecision(12)) : undefined;
}
