// Reports pods whose SLO was clamped to their namespace's grant (policy/slo-grant.ts)
// without repeating itself: the pod watcher re-evaluates every pod on each reconcile, so
// this logs, counts (scx_slo_grant_clamps_total) and posts a Warning Event
// `SLOClampedToGrant` on the pod only for a clamp that is new for that pod since the
// previous pass. Pods not seen in a pass are forgotten.
import type { SloEntry } from '../../policy/api.js';
import type { ClampedSlo, SloGrant } from '../../policy/slo-grant.js';
import type { GrantClampCounter } from '../metrics/grant-clamps.js';
import type { PodIdentity } from '../slo/workload-registry.js';
import type { EventSink } from './event-sink.js';

export const CLAMPED_REASON = 'SLOClampedToGrant';

export interface GrantClampReporterOptions {
  events?: EventSink;
  counter?: GrantClampCounter;
  log?: Pick<Console, 'warn'>;
}

/** The sentence logged and posted for a clamp. */
export function clampMessage(pod: PodIdentity, requested: SloEntry, grant: SloGrant, clamped: ClampedSlo): string {
  const parts: string[] = [];
  if (clamped.budgetClamped) parts.push(`budget ${requested.budgetNs / 1e6} ms raised to ${grant.minBudgetNs / 1e6} ms`);
  if (clamped.importanceClamped) parts.push(`importance ${requested.importance} lowered to ${grant.maxImportance}`);
  return (
    `pod ${pod.namespace}/${pod.name}: its SLO asks for more than namespace ${JSON.stringify(pod.namespace)} is granted ` +
    `(budget >= ${grant.minBudgetNs / 1e6} ms, importance <= ${grant.maxImportance}): ${parts.join(', ')}; ` +
    'ask the cluster admin for a grant (scx-slo --slo-grants, Helm value sloGrants)'
  );
}

export class GrantClampReporter {
  private keys = new Map<string, string>();
  private seen = new Set<string>();

  constructor(private readonly options: GrantClampReporterOptions = {}) {}

  beginPass(): void {
    this.seen = new Set();
  }

  /** The outcome of clamping one pod's SLO (clamped or not). */
  pod(pod: PodIdentity, requested: SloEntry, grant: SloGrant, clamped: ClampedSlo): void {
    this.seen.add(pod.uid);
    if (!clamped.budgetClamped && !clamped.importanceClamped) {
      this.keys.delete(pod.uid);
      return;
    }
    const key = `${requested.budgetNs}/${requested.importance}->${clamped.slo.budgetNs}/${clamped.slo.importance}`;
    if (this.keys.get(pod.uid) === key) return;
    this.keys.set(pod.uid, key);
    const message = clampMessage(pod, requested, grant, clamped);
    this.options.log?.warn(`scx-slo: ${message}`);
    if (clamped.budgetClamped) this.options.counter?.record(pod.namespace, 'budget');
    if (clamped.importanceClamped) this.options.counter?.record(pod.namespace, 'importance');
    this.options.events?.warning({ apiVersion: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid }, CLAMPED_REASON, message);
  }

  endPass(): void {
    for (const uid of this.keys.keys()) if (!this.seen.has(uid)) this.keys.delete(uid);
  }
}
