// Reports bad SLO configuration found in Kubernetes without repeating itself. The pod
// watcher re-evaluates every pod on each reconcile, so the same bad annotation is seen
// again and again; this reporter logs, counts and posts an Event only for problems that
// are new for that pod (or policy) since the previous pass. A problem that goes away and
// comes back is reported again; state of pods and policies that are gone is dropped.
//
//   annotation problem -> log, count {source=annotation}, Event InvalidSLOAnnotation on the pod
//   SLOPolicy problem  -> log and count {source=slopolicy} once per policy, and an Event
//                         InvalidSLOPolicy on each pod of this node the policy applies to
import type { ConfigErrorCounter } from '../metrics/config-errors.js';
import type { PodIdentity } from '../slo/workload-registry.js';
import { problemKey, type ConfigProblem } from './config-problem.js';
import type { EventSink } from './event-sink.js';

export const INVALID_ANNOTATION_REASON = 'InvalidSLOAnnotation';
export const INVALID_POLICY_REASON = 'InvalidSLOPolicy';

export interface ConfigProblemReporterOptions {
  events?: EventSink;
  counter?: ConfigErrorCounter;
  log?: Pick<Console, 'warn'>;
}

export class ConfigProblemReporter {
  private podKeys = new Map<string, Set<string>>();
  private policyKeys = new Map<string, Set<string>>();
  private seenPods = new Set<string>();
  private seenPolicies = new Set<string>();

  constructor(private readonly options: ConfigProblemReporterOptions = {}) {}

  /** Starts a pass over all pods and policies. */
  beginPass(): void {
    this.seenPods = new Set();
    this.seenPolicies = new Set();
  }

  /** The problems of one SLOPolicy (all of them, valid or not for any pod). */
  policy(uid: string, problems: readonly ConfigProblem[]): void {
    this.seenPolicies.add(uid);
    const previous = this.policyKeys.get(uid) ?? new Set<string>();
    const current = new Set<string>();
    for (const p of problems) {
      const key = problemKey(p);
      current.add(key);
      if (previous.has(key)) continue;
      this.options.log?.warn(`scx-slo: ${p.message}`);
      this.options.counter?.record('slopolicy', p.field);
    }
    this.policyKeys.set(uid, current);
  }

  /** The problems that affect one pod (its annotations' and its SLOPolicy's). */
  pod(pod: PodIdentity, problems: readonly ConfigProblem[]): void {
    this.seenPods.add(pod.uid);
    const previous = this.podKeys.get(pod.uid) ?? new Set<string>();
    const current = new Set<string>();
    for (const p of problems) {
      const key = problemKey(p);
      current.add(key);
      if (previous.has(key)) continue;
      if (p.source === 'annotation') {
        this.options.log?.warn(`scx-slo: ${p.message}`);
        this.options.counter?.record('annotation', p.field);
      }
      const reason = p.source === 'annotation' ? INVALID_ANNOTATION_REASON : INVALID_POLICY_REASON;
      this.options.events?.warning({ apiVersion: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid }, reason, p.message);
    }
    if (current.size > 0) this.podKeys.set(pod.uid, current);
    else this.podKeys.delete(pod.uid);
  }

  /** Ends the pass: forgets pods and policies not seen in it. */
  endPass(): void {
    for (const uid of this.podKeys.keys()) if (!this.seenPods.has(uid)) this.podKeys.delete(uid);
    for (const uid of this.policyKeys.keys()) if (!this.seenPolicies.has(uid)) this.policyKeys.delete(uid);
  }
}
