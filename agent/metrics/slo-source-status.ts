// What an SLO source (the Kubernetes pod watcher, the config file) tells the health and
// metrics endpoints about itself: whether it has synced (readiness), how many entries it
// keeps in the SLO store, how many workloads wait for their cgroup, and its failures.

export interface SloSourceStatus {
  /** Short name used as a metric label, e.g. "kubernetes" or "config_file". */
  name: string;
  /** True once the source has read its whole configuration at least once. */
  synced: boolean;
  /** SLO entries this source currently has in the store. */
  entries: number;
  /** Workloads with an SLO whose cgroup was not found (yet); retried periodically. */
  unresolved: number;
  /** Writes to the SLO store that failed (retried on the next pass). */
  storeErrors: number;
  /** Restarts of each watch after an error, by watched resource (Kubernetes only). */
  watchRestarts?: Readonly<Record<string, number>>;
}

export interface SloSource {
  status(): SloSourceStatus;
}
