// Counts of pod SLOs clamped to their namespace's grant (policy/slo-grant.ts), by
// namespace and field (budget or importance). The Kubernetes source records each distinct
// clamp of a pod once (not on every resync); /metrics exposes the counts as
// scx_slo_grant_clamps_total{namespace,field}.

export type ClampedField = 'budget' | 'importance';

export interface GrantClampCount {
  namespace: string;
  field: ClampedField;
  count: number;
}

export class GrantClampCounter {
  private readonly counts = new Map<string, GrantClampCount>();

  record(namespace: string, field: ClampedField): void {
    const key = `${namespace}\u0000${field}`;
    const entry = this.counts.get(key);
    if (entry) entry.count += 1;
    else this.counts.set(key, { namespace, field, count: 1 });
  }

  list(): GrantClampCount[] {
    return [...this.counts.values()].map((c) => ({ ...c }));
  }
}
