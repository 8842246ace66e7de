// Starts the SLO sources `scx-slo run` was asked for (the config file, the Kubernetes pod
// watcher) and points them at the scheduler's SloStore. They share one workload registry
// (cgroup id -> pod or path, for metric labels) and one configuration-error counter.
import type { SloStore } from './slo-store.js';
import { startSloConfigFile } from './slo-config-file.js';
import { ConfigErrorCounter } from '../metrics/config-errors.js';
import { GrantClampCounter } from '../metrics/grant-clamps.js';
import { DEFAULT_SLO_GRANTS } from '../../policy/slo-grant.js';
import { loadSloGrants } from './slo-grants-file.js';
import type { SloSource } from '../metrics/slo-source-status.js';
import { WorkloadRegistry } from './workload-registry.js';

/** Which SLO sources to start (`scx-slo run --config/--kubernetes/...`). */
export interface SloSourceOptions {
  /** YAML config file of cgroup paths -> SLO, if any. */
  config: string | undefined;
  /** Watch this node's pods. */
  kubernetes: boolean;
  /** The node whose pods are watched (required with kubernetes). */
  nodeName: string | undefined;
  /** cgroup v2 mount. */
  cgroupRoot: string;
  /** The cluster admin's grants file for pod SLOs (absent: DEFAULT_SLO_GRANTS). The config
   *  file's SLOs are not clamped: root writes that file on the host. */
  sloGrants?: string | undefined;
}

export interface SloSources {
  readonly registry: WorkloadRegistry;
  readonly configErrors: ConfigErrorCounter;
  /** Pod SLOs clamped to their namespace's grant. */
  readonly grantClamps: GrantClampCounter;
  readonly sources: readonly SloSource[];
  /** True once every source has loaded its first full state. */
  synced(): boolean;
  close(): Promise<void>;
}

export async function startSloSources(opts: SloSourceOptions, store: SloStore, log: (line: string) => void): Promise<SloSources> {
  const registry = new WorkloadRegistry();
  const configErrors = new ConfigErrorCounter();
  const grantClamps = new GrantClampCounter();
  const sources: SloSource[] = [];
  const closers: Array<() => Promise<void> | void> = [];
  const logger = { info: (m: string) => log(m), warn: (m: string) => log(m) };
  try {
    if (opts.config) {
      const file = startSloConfigFile({ file: opts.config, store, cgroupRoot: opts.cgroupRoot, registry, configErrors, log: logger });
      sources.push(file);
      closers.push(() => file.stop());
    }
    if (opts.kubernetes) {
      const { KubeConfig } = await import('@kubernetes/client-node');
      const { startPodSloWatcher } = await import('../k8s/pod-slo-watcher.js');
      const grants = opts.sloGrants ? loadSloGrants(opts.sloGrants) : DEFAULT_SLO_GRANTS;
      log(`SLO grants: default budget >= ${grants.default.minBudgetNs / 1e6} ms, importance <= ${grants.default.maxImportance}; ${grants.namespaces.size} ` +
        `namespaces granted more or less`);
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromDefault();
      const k8s = startPodSloWatcher({ kubeConfig, nodeName: opts.nodeName!, cgroupRoot: opts.cgroupRoot, store, registry, configErrors, grants,
        grantClamps, log: logger });
      sources.push(k8s);
      closers.push(() => k8s.stop());
    }
  } catch (err) {
    for (const close of closers) await close();
    throw err;
  }
  return {
    registry,
    configErrors,
    grantClamps,
    sources,
    synced: () => sources.every((s) => s.status().synced),
    close: async () => {
      for (const close of closers) await close();
    },
  };
}
