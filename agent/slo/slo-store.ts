// Where resolved SLOs go. Sources of SLOs (the Kubernetes pod watcher, the config file)
// write cgroup id -> SLO entries into an SloStore; the live implementation writes the
// kernel's slo_cfg map and the policy's table, tests use MemorySloStore.
import type { SloEntry, SloLookup } from '../../policy/api.js';

export interface SloStore extends SloLookup {
  set(cgroupId: number, slo: SloEntry): void;
  delete(cgroupId: number): void;
  /** A copy of every entry currently stored. */
  entries(): Map<number, SloEntry>;
}

/** An SloStore held in memory; also the base of the stores that mirror it elsewhere. */
export class MemorySloStore implements SloStore {
  protected readonly table = new Map<number, SloEntry>();

  get(cgroupId: number): SloEntry | undefined {
    return this.table.get(cgroupId);
  }

  set(cgroupId: number, slo: SloEntry): void {
    this.table.set(cgroupId, { budgetNs: slo.budgetNs, importance: slo.importance });
  }

  delete(cgroupId: number): void {
    this.table.delete(cgroupId);
  }

  entries(): Map<number, SloEntry> {
    return new Map(this.table);
  }
}
