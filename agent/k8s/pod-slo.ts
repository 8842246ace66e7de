// A pod's effective SLO from its two possible sources, field by field:
//   1. its annotations (scx-slo/budget-ms, scx-slo/importance), when valid;
//   2. else the SLOPolicy that applies to it (see slo-policy.ts for which), when valid;
//   3. else the default (DEFAULT_BUDGET_NS / DEFAULT_IMPORTANCE).
// A pod for which neither source gives any valid value gets no entry at all (the kernel
// applies the defaults to cgroups without one).
import type { V1Pod } from '@kubernetes/client-node';
import { DEFAULT_BUDGET_NS, DEFAULT_IMPORTANCE, type SloEntry } from '../../policy/api.js';
import type { ConfigProblem } from './config-problem.js';
import { sloFromAnnotations } from './slo-annotations.js';
import { pickSloPolicy, type CompiledSloPolicy } from './slo-policy.js';

export type SloValueOrigin = 'annotation' | 'slopolicy' | 'default';

export interface PodSlo {
  /** The entry to store, or undefined when the pod has no SLO configured. */
  slo: SloEntry | undefined;
  budgetFrom: SloValueOrigin;
  importanceFrom: SloValueOrigin;
  /** The SLOPolicy that applies (even if the annotations override all of it). */
  policy: CompiledSloPolicy | undefined;
  /** Problems that affect this pod: its own annotations and the applying policy's. */
  problems: ConfigProblem[];
}

export function resolvePodSlo(pod: V1Pod, policies: readonly CompiledSloPolicy[]): PodSlo {
  const namespace = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const fromAnnotations = sloFromAnnotations(pod.metadata?.annotations, `${namespace}/${name}`);
  const policy = pickSloPolicy(policies, namespace, pod.metadata?.labels);
  const problems = [...fromAnnotations.problems, ...(policy ? policy.problems : [])];

  const a = fromAnnotations.slo;
  const p = policy?.slo ?? {};
  const budgetFrom: SloValueOrigin = a.budgetNs !== undefined ? 'annotation' : p.budgetNs !== undefined ? 'slopolicy' : 'default';
  const importanceFrom: SloValueOrigin =
    a.importance !== undefined ? 'annotation' : p.importance !== undefined ? 'slopolicy' : 'default';
  const configured = budgetFrom !== 'default' || importanceFrom !== 'default';
  const slo = configured
    ? { budgetNs: a.budgetNs ?? p.budgetNs ?? DEFAULT_BUDGET_NS, importance: a.importance ?? p.importance ?? DEFAULT_IMPORTANCE }
    : undefined;
  return { slo, budgetFrom, importanceFrom, policy, problems };
}
