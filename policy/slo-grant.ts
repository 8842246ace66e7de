// SLO grants: how tight a budget and how high an importance the workloads of a namespace
// may claim, set by the cluster admin (the agent's grants file / Helm values), the way a
// PriorityClass and ResourceQuota's priority-class scopes decide who may claim a high
// pod priority. A workload asking for more than its grant is clamped to it: its budget is
// raised to the grant's minimum and its importance lowered to the grant's maximum.
//
// Namespaces nobody granted get DEFAULT_SLO_GRANT (budget >= 100 ms, importance <= 50:
// never tighter than an unconfigured workload's default), so a pod author cannot make
// their tasks urgent enough to preempt everybody else. The clamp is a pure function, used
// by the agent's Kubernetes source and by the simulator's hostile-tenant scenario.
import type { SloEntry } from './api.js';

/** The tightest SLO a namespace may claim. */
export interface SloGrant {
  /** Smallest budget allowed, ns (1 = no limit). */
  minBudgetNs: number;
  /** Highest importance allowed, 1..100 (100 = no limit). */
  maxImportance: number;
}

/** The grants of a cluster: one per namespace named, the default for every other. */
export interface SloGrants {
  default: SloGrant;
  namespaces: ReadonlyMap<string, SloGrant>;
}

/** What namespaces nobody granted may claim: budget >= 100 ms, importance <= 50. */
export const DEFAULT_SLO_GRANT: Readonly<SloGrant> = Object.freeze({ minBudgetNs: 100_000_000, maxImportance: 50 });

/** A grant that limits nothing. */
export const UNLIMITED_SLO_GRANT: Readonly<SloGrant> = Object.freeze({ minBudgetNs: 1, maxImportance: 100 });

/** The grants when the admin configured none: every namespace gets DEFAULT_SLO_GRANT. */
export const DEFAULT_SLO_GRANTS: SloGrants = Object.freeze({ default: DEFAULT_SLO_GRANT, namespaces: new Map<string, SloGrant>() });

/** The grant that applies to `namespace`. */
export function grantFor(grants: SloGrants, namespace: string): SloGrant {
  return grants.namespaces.get(namespace) ?? grants.default;
}

export interface ClampedSlo {
  /** The SLO to apply: the request, within the grant. */
  slo: SloEntry;
  /** Whether the budget was raised to the grant's minimum. */
  budgetClamped: boolean;
  /** Whether the importance was lowered to the grant's maximum. */
  importanceClamped: boolean;
}

/** `requested` limited to `grant`. */
export function clampToGrant(requested: SloEntry, grant: SloGrant): ClampedSlo {
  const budgetClamped = requested.budgetNs < grant.minBudgetNs;
  const importanceClamped = requested.importance > grant.maxImportance;
  return {
    slo: {
      budgetNs: budgetClamped ? grant.minBudgetNs : requested.budgetNs,
      importance: importanceClamped ? grant.maxImportance : requested.importance,
    },
    budgetClamped,
    importanceClamped,
  };
}
