// Applies an SLO source's desired state to the SLO store as a difference. A source (the
// Kubernetes pod watcher, the config file) computes the full desired set, cgroup id ->
// SLO and workload, on every pass; the applier sets what is new or changed, deletes what
// this source applied before and no longer wants, and mirrors the same into the workload
// registry. Entries of other sources are never touched. A failed store write is counted,
// logged and retried on the next pass (the entry is not recorded as applied).
import type { SloEntry } from '../../policy/api.js';
import type { SloStore } from './slo-store.js';
import type { Workload, WorkloadRegistry } from './workload-registry.js';

export interface DesiredSlo {
  slo: SloEntry;
  workload: Workload;
}

export class SloApplier {
  private readonly applied = new Map<number, SloEntry>();
  private readonly workloads = new Map<number, Workload>();
  private errors = 0;

  constructor(
    private readonly store: SloStore,
    private readonly registry: WorkloadRegistry,
    private readonly log: Pick<Console, 'warn'>,
  ) {}

  /** Entries currently applied by this source. */
  get size(): number {
    return this.applied.size;
  }

  /** Failed store writes so far. */
  get storeErrors(): number {
    return this.errors;
  }

  /** Makes the store hold exactly `desired` for this source. */
  apply(desired: ReadonlyMap<number, DesiredSlo>): void {
    for (const id of [...this.applied.keys()]) {
      if (desired.has(id)) continue;
      try {
        this.store.delete(id);
      } catch (err) {
        this.errors += 1;
        this.log.warn(`scx-slo: cannot delete the SLO of cgroup ${id}: ${(err as Error).message}`);
        continue;
      }
      this.applied.delete(id);
      this.workloads.delete(id);
      this.registry.delete(id);
    }
    for (const [id, want] of desired) {
      const have = this.applied.get(id);
      if (!have || have.budgetNs !== want.slo.budgetNs || have.importance !== want.slo.importance) {
        try {
          this.store.set(id, want.slo);
        } catch (err) {
          this.errors += 1;
          this.log.warn(`scx-slo: cannot set the SLO of cgroup ${id} (${want.workload.cgroupPath}): ${(err as Error).message}`);
          continue;
        }
        this.applied.set(id, { budgetNs: want.slo.budgetNs, importance: want.slo.importance });
      }
      const known = this.workloads.get(id);
      if (!known || !sameWorkload(known, want.workload)) {
        this.workloads.set(id, want.workload);
        this.registry.set(want.workload);
      }
    }
  }
}

function sameWorkload(a: Workload, b: Workload): boolean {
  return (
    a.cgroupPath === b.cgroupPath &&
    a.source === b.source &&
    a.pod?.uid === b.pod?.uid &&
    a.pod?.name === b.pod?.name &&
    a.pod?.namespace === b.pod?.namespace
  );
}
