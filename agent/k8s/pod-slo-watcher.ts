// The Kubernetes SLO source: watches this node's pods (field selector spec.nodeName) and
// all SLOPolicy objects with supervised informers, works out each pod's SLO, resolves the
// pod to its cgroup id, and keeps the SLO store equal to that.
//
// It never applies events one by one. Every change, every completed (re)list and a
// periodic timer schedule a reconcile pass, which computes the desired set (cgroup id ->
// SLO) from the informers' caches and applies the difference to what it applied before:
// new and changed entries are set, entries no pod wants any more are deleted. So after a
// dropped connection, a 410 relist or an API server restart the store equals what the
// pods say, with nothing lost or left behind, and a pod whose cgroup did not exist yet is
// picked up by a later pass. Only entries this watcher wrote are ever deleted.
//
// Integration: startPodSloWatcher({ kubeConfig, nodeName, cgroupRoot, store, events }).
// Needs RBAC: list/watch pods, list/watch slopolicies.scx-slo.io, create events.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesListObject, type V1Pod } from '@kubernetes/client-node';
import { checkCgroupRoot, DEFAULT_CGROUP_ROOT } from '../slo/cgroup-id.js';
import type { ConfigErrorCounter } from '../metrics/config-errors.js';
import type { SloSource, SloSourceStatus } from '../metrics/slo-source-status.js';
import type { SloStore } from '../slo/slo-store.js';
import { SloApplier, type DesiredSlo } from '../slo/slo-applier.js';
import { WorkloadRegistry } from '../slo/workload-registry.js';
import { ConfigProblemReporter } from './config-problem-reporter.js';
import { GrantClampReporter } from './grant-clamp-reporter.js';
import { clampToGrant, DEFAULT_SLO_GRANTS, grantFor, type SloGrants } from '../../policy/slo-grant.js';
import type { GrantClampCounter } from '../metrics/grant-clamps.js';
import { KubernetesEventSink, type EventSink } from './event-sink.js';
import { resolvePodCgroup, type PodCgroupLayout } from './pod-cgroup.js';
import { resolvePodSlo } from './pod-slo.js';
import {
  compileSloPolicy,
  SLO_POLICY_GROUP,
  SLO_POLICY_PLURAL,
  SLO_POLICY_VERSION,
  type CompiledSloPolicy,
  type SloPolicyObject,
} from './slo-policy.js';
import { describeError, SupervisedInformer, type RestartBackoff } from './supervised-informer.js';

export const KUBERNETES_SOURCE = 'kubernetes';

export interface PodSloWatcherOptions {
  kubeConfig: KubeConfig;
  /** This node's name (spec.nodeName of its pods), e.g. from the downward API. */
  nodeName: string;
  /** Where resolved SLOs go. */
  store: SloStore;
  /** Host cgroup v2 mount (default /sys/fs/cgroup; e.g. /host/sys/fs/cgroup in a pod). */
  cgroupRoot?: string;
  /** Where Warning Events go (default: posted to the API server; false: none). */
  events?: EventSink | false;
  /** Registry to record cgroup id -> pod in (default: a new one, see `.registry`). */
  registry?: WorkloadRegistry;
  /** Counts configuration errors for /metrics. */
  configErrors?: ConfigErrorCounter;
  /** What each namespace may claim (default DEFAULT_SLO_GRANTS: budget >= 100 ms, importance <= 50). */
  grants?: SloGrants;
  /** Counts SLOs clamped to their grant for /metrics. */
  grantClamps?: GrantClampCounter;
  /** kubelet cgroup layout options (non-default --cgroup-root, driver order). */
  layout?: PodCgroupLayout;
  /** Watch SLOPolicy objects (default true). */
  watchPolicies?: boolean;
  /** How long the first pass waits for SLOPolicies to list before going without (default 10 s). */
  policyWaitMs?: number;
  /** Period of the reconcile pass that retries unresolved cgroups (default 2 s). */
  resyncIntervalMs?: number;
  /** Restart backoff after watch errors (default 0.5 s doubling to 30 s). */
  backoff?: RestartBackoff;
  /** A list taking longer than this fails and is retried (default 60 s). */
  listTimeoutMs?: number;
  /** Cap on the client library's reconnect delay after a watch ends cleanly (default 5 s). */
  maxReconnectDelayMs?: number;
  log?: Pick<Console, 'info' | 'warn'>;
}

export interface PodSloWatcher extends SloSource {
  /** cgroup id -> pod of every entry this watcher applied. */
  readonly registry: WorkloadRegistry;
  /** True once pods have listed and a reconcile pass applied them. */
  synced(): boolean;
  /** Resolves when synced (rejects after `timeoutMs`, if given). */
  whenSynced(timeoutMs?: number): Promise<void>;
  /** Runs a reconcile pass now. */
  reconcile(): void;
  /** Stops watching. Entries stay in the store. */
  stop(): Promise<void>;
}

const TERMINAL_PHASES = new Set(['Succeeded', 'Failed']);

class PodSloWatcherImpl implements PodSloWatcher {
  readonly registry: WorkloadRegistry;
  private readonly pods: SupervisedInformer<V1Pod>;
  private readonly policies: SupervisedInformer<SloPolicyObject> | undefined;
  private readonly reporter: ConfigProblemReporter;
  private readonly clampReporter: GrantClampReporter;
  private readonly grants: SloGrants;
  private readonly cgroupRoot: string;
  private readonly log: Pick<Console, 'info' | 'warn'>;
  private readonly applier: SloApplier;
  private readonly resolveErrors = new Map<string, string>();
  private readonly startedAt = Date.now();
  private readonly policyWaitMs: number;
  private readonly timer: NodeJS.Timeout;
  private scheduled = false;
  private passDone = false;
  private stopped = false;
  private unresolved = 0;
  private policiesMissingLogged = false;
  private readonly syncWaiters = new Set<() => void>();

  constructor(private readonly options: PodSloWatcherOptions) {
    const { kubeConfig, nodeName } = options;
    if (!nodeName) throw new Error('pod watcher: nodeName is empty (set NODE_NAME from spec.nodeName)');
    if (nodeName.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(nodeName)) {
      throw new Error(`pod watcher: nodeName ${JSON.stringify(nodeName)} is not a valid node name (a DNS subdomain)`);
    }
    this.registry = options.registry ?? new WorkloadRegistry();
    this.cgroupRoot = options.cgroupRoot ?? DEFAULT_CGROUP_ROOT;
    this.log = options.log ?? console;
    checkCgroupRoot(this.cgroupRoot, 'pod watcher', this.log);
    this.policyWaitMs = options.policyWaitMs ?? 10_000;
    const events = options.events === false ? undefined : (options.events ?? new KubernetesEventSink(kubeConfig, { host: nodeName, log: this.log }));
    this.applier = new SloApplier(options.store, this.registry, this.log);
    this.reporter = new ConfigProblemReporter({ events, counter: options.configErrors, log: this.log });
    this.clampReporter = new GrantClampReporter({ events, counter: options.grantClamps, log: this.log });
    this.grants = options.grants ?? DEFAULT_SLO_GRANTS;

    const fieldSelector = `spec.nodeName=${nodeName}`;
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const onChange = (): void => this.scheduleReconcile();
    this.pods = new SupervisedInformer<V1Pod>({
      name: 'pods',
      kubeConfig,
      path: '/api/v1/pods',
      fieldSelector,
      list: () => core.listPodForAllNamespaces({ fieldSelector }),
      onChange,
      backoff: options.backoff,
      listTimeoutMs: options.listTimeoutMs,
      maxReconnectDelayMs: options.maxReconnectDelayMs,
      log: this.log,
    });
    if (options.watchPolicies !== false) {
      const custom = kubeConfig.makeApiClient(CustomObjectsApi);
      this.policies = new SupervisedInformer<SloPolicyObject>({
        name: 'slopolicies',
        kubeConfig,
        path: `/apis/${SLO_POLICY_GROUP}/${SLO_POLICY_VERSION}/${SLO_POLICY_PLURAL}`,
        list: () => this.listPolicies(custom),
        onChange,
        backoff: options.backoff,
        listTimeoutMs: options.listTimeoutMs,
        maxReconnectDelayMs: options.maxReconnectDelayMs,
        log: this.log,
      });
    }
    this.timer = setInterval(() => this.reconcile(), options.resyncIntervalMs ?? 2000);
    this.timer.unref();
    this.pods.start();
    this.policies?.start();
  }

  synced(): boolean {
    return this.passDone;
  }

  whenSynced(timeoutMs?: number): Promise<void> {
    if (this.passDone) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      this.syncWaiters.add(done);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.syncWaiters.delete(done);
          reject(new Error(`pod watcher: not synced after ${timeoutMs} ms (pods: ${this.pods.lastError ?? 'no error'})`));
        }, timeoutMs);
      }
    });
  }

  status(): SloSourceStatus {
    const watchRestarts: Record<string, number> = { pods: this.pods.restarts };
    if (this.policies) watchRestarts['slopolicies'] = this.policies.restarts;
    return {
      name: KUBERNETES_SOURCE,
      synced: this.passDone,
      entries: this.applier.size,
      unresolved: this.unresolved,
      storeErrors: this.applier.storeErrors,
      watchRestarts,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all([this.pods.stop(), this.policies?.stop()]);
  }

  private scheduleReconcile(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.reconcile();
    });
  }

  private async listPolicies(custom: CustomObjectsApi): Promise<KubernetesListObject<SloPolicyObject>> {
    try {
      const list = (await custom.listClusterCustomObject({
        group: SLO_POLICY_GROUP,
        version: SLO_POLICY_VERSION,
        plural: SLO_POLICY_PLURAL,
      })) as KubernetesListObject<SloPolicyObject>;
      this.policiesMissingLogged = false;
      return list;
    } catch (err) {
      if ((err as { code?: unknown }).code === 404) {
        // The CRD is not installed: no policies. The watch will fail and be retried with
        // backoff, so installing the CRD later is picked up.
        if (!this.policiesMissingLogged) this.log.warn('scx-slo: SLOPolicy CRD not installed (404); only pod annotations apply');
        this.policiesMissingLogged = true;
        return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: [] };
      }
      throw err;
    }
  }

  private policiesReady(): boolean {
    return !this.policies || this.policies.synced || Date.now() - this.startedAt >= this.policyWaitMs;
  }

  reconcile(): void {
    if (this.stopped || !this.pods.synced || !this.policiesReady()) return;

    const byNamespace = new Map<string, CompiledSloPolicy[]>();
    this.reporter.beginPass();
    this.clampReporter.beginPass();
    for (const obj of this.policies?.list() ?? []) {
      const policy = compileSloPolicy(obj);
      this.reporter.policy(policy.uid, policy.problems);
      const list = byNamespace.get(policy.namespace);
      if (list) list.push(policy);
      else byNamespace.set(policy.namespace, [policy]);
    }

    const desired = new Map<number, DesiredSlo>();
    let unresolved = 0;
    const seen = new Set<string>();
    for (const pod of this.pods.list()) {
      const meta = pod.metadata;
      if (!meta?.uid || !meta.name || !meta.namespace) continue;
      if (pod.spec?.nodeName && pod.spec.nodeName !== this.options.nodeName) continue;
      if (TERMINAL_PHASES.has(pod.status?.phase ?? '')) continue;
      seen.add(meta.uid);
      const identity = { namespace: meta.namespace, name: meta.name, uid: meta.uid };
      const resolved = resolvePodSlo(pod, byNamespace.get(meta.namespace) ?? []);
      this.reporter.pod(identity, resolved.problems);
      if (!resolved.slo) continue;
      // Whoever can create a pod here can write its annotations (and SLOPolicies): the
      // SLO is limited to what the cluster admin granted the namespace.
      const grant = grantFor(this.grants, meta.namespace);
      const clamped = clampToGrant(resolved.slo, grant);
      this.clampReporter.pod(identity, resolved.slo, grant, clamped);
      let where;
      try {
        where = resolvePodCgroup(this.cgroupRoot, pod, this.options.layout);
        this.resolveErrors.delete(meta.uid);
      } catch (err) {
        const text = describeError(err);
        if (this.resolveErrors.get(meta.uid) !== text) this.log.warn(`scx-slo: pod ${meta.namespace}/${meta.name}: cannot resolve its cgroup: ${text}`);
        this.resolveErrors.set(meta.uid, text);
      }
      if (!where) {
        unresolved += 1;
        continue;
      }
      if (desired.has(where.cgroupId)) continue;
      desired.set(where.cgroupId, {
        slo: clamped.slo,
        workload: { cgroupId: where.cgroupId, cgroupPath: where.cgroupPath, pod: identity, source: KUBERNETES_SOURCE },
      });
    }
    this.reporter.endPass();
    this.clampReporter.endPass();
    for (const uid of this.resolveErrors.keys()) if (!seen.has(uid)) this.resolveErrors.delete(uid);

    this.applier.apply(desired);
    this.unresolved = unresolved;
    if (!this.passDone) {
      this.passDone = true;
      this.log.info(`scx-slo: pod SLOs synced: ${this.applier.size} entries, ${unresolved} pods waiting for their cgroup`);
      for (const wake of this.syncWaiters) wake();
      this.syncWaiters.clear();
    }
  }
}

/**
 * Starts the Kubernetes SLO source. Returns at once; `synced()` / `whenSynced()` tell when
 * the store reflects this node's pods.
 */
export function startPodSloWatcher(options: PodSloWatcherOptions): PodSloWatcher {
  return new PodSloWatcherImpl(options);
}
