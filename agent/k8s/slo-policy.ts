// The SLOPolicy custom resource (scx-slo.io/v1alpha1, namespaced; CRD in
// deploy/crds/slopolicy.yaml): gives the pods of its namespace that match a label
// selector a latency budget and/or importance.
//
//   apiVersion: scx-slo.io/v1alpha1
//   kind: SLOPolicy
//   metadata: { name: web, namespace: shop }
//   spec:
//     selector: { matchLabels: { app: web } }
//     budgetMs: 20
//     importance: 80
//
// Which policy applies when several match a pod (documented in the CRD too): the most
// specific one, i.e. the one whose selector has the most requirements (matchLabels
// entries + matchExpressions); among equally specific ones, the one whose name sorts first
// (plain string order). The winner applies as a whole: a field it leaves out or gets
// wrong gives the default, not another policy's value. A policy whose selector is invalid
// matches nothing. Pod annotations override whatever the policy says, field by field.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { SloEntry } from '../../policy/api.js';
import { parseBudgetMs, parseImportance } from '../slo/slo-values.js';
import { configProblem, type ConfigProblem } from './config-problem.js';
import { compileLabelSelector, type CompiledSelector } from './label-selector.js';

export const SLO_POLICY_GROUP = 'scx-slo.io';
export const SLO_POLICY_VERSION = 'v1alpha1';
export const SLO_POLICY_PLURAL = 'slopolicies';
export const SLO_POLICY_KIND = 'SLOPolicy';
export const SLO_POLICY_API_VERSION = `${SLO_POLICY_GROUP}/${SLO_POLICY_VERSION}`;

/** An SLOPolicy as the API server returns it; `spec` is validated by compileSloPolicy. */
export interface SloPolicyObject extends KubernetesObject {
  spec?: unknown;
}

export interface CompiledSloPolicy {
  namespace: string;
  name: string;
  uid: string;
  /** Undefined when the selector is invalid: the policy then matches nothing. */
  selector: CompiledSelector | undefined;
  /** The valid values of the spec. */
  slo: Partial<SloEntry>;
  /** Everything wrong with the spec. */
  problems: ConfigProblem[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const compiled = new WeakMap<object, CompiledSloPolicy>();

/** Validates an SLOPolicy object (memoized per object: the informer replaces objects on change). */
export function compileSloPolicy(obj: SloPolicyObject): CompiledSloPolicy {
  const cached = compiled.get(obj);
  if (cached) return cached;
  const namespace = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  const uid = obj.metadata?.uid ?? `${namespace}/${name}`;
  const ref = { namespace, name, uid };
  const where = `SLOPolicy ${namespace}/${name} `;
  const problems: ConfigProblem[] = [];
  const slo: Partial<SloEntry> = {};
  let selector: CompiledSelector | undefined;
  const spec = obj.spec;
  if (!isRecord(spec)) {
    problems.push(configProblem('slopolicy', where, 'spec', spec, 'must be an object with selector, budgetMs and/or importance', 'the policy is ignored', ref));
  } else {
    const sel = compileLabelSelector(spec['selector'], 'spec.selector');
    if (sel.ok) selector = sel.selector;
    else problems.push(configProblem('slopolicy', where, sel.field, sel.value, sel.error, 'the policy matches no pod', ref));
    if (spec['budgetMs'] !== undefined) {
      const parsed = parseBudgetMs(spec['budgetMs']);
      if (parsed.ok) slo.budgetNs = parsed.value;
      else problems.push(configProblem('slopolicy', where, 'spec.budgetMs', spec['budgetMs'], parsed.error, 'matching pods get the default budget', ref));
    }
    if (spec['importance'] !== undefined) {
      const parsed = parseImportance(spec['importance']);
      if (parsed.ok) slo.importance = parsed.value;
      else problems.push(configProblem('slopolicy', where, 'spec.importance', spec['importance'], parsed.error,
        'matching pods get the default importance', ref));
    }
    if (spec['budgetMs'] === undefined && spec['importance'] === undefined) {
      problems.push(configProblem('slopolicy', where, 'spec', '{}', 'must set budgetMs and/or importance', 'matching pods get the defaults', ref));
    }
  }
  const result: CompiledSloPolicy = { namespace, name, uid, selector, slo, problems };
  compiled.set(obj, result);
  return result;
}

/**
 * The policy that applies to a pod with `labels` in `namespace`, by the rule in the file
 * header, or undefined when none matches.
 */
export function pickSloPolicy(
  policies: readonly CompiledSloPolicy[],
  namespace: string,
  labels: Readonly<Record<string, string>> | undefined,
): CompiledSloPolicy | undefined {
  let best: CompiledSloPolicy | undefined;
  for (const p of policies) {
    if (p.namespace !== namespace || !p.selector || !p.selector.matches(labels)) continue;
    if (
      !best ||
      p.selector.requirements > best.selector!.requirements ||
      (p.selector.requirements === best.selector!.requirements && p.name < best.name)
    ) {
      best = p;
    }
  }
  return best;
}
