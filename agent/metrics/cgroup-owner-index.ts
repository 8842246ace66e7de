// Which workload a cgroup belongs to, for any cgroup at or below a workload's cgroup: a
// pod's tasks run in its container cgroups, one level or two below the pod cgroup the
// SLO sources register. The index walks each registered workload's directory tree under
// the cgroup root and maps every descendant's id (its inode) to the workload; it rescans
// at most every `refreshMs`, and sooner when asked about an id it does not know.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Workload, WorkloadLookup } from '../slo/workload-registry.js';

const MAX_DEPTH = 4;

export class CgroupOwnerIndex {
  private owners = new Map<number, Workload>();
  private scannedAt = 0;

  constructor(
    private readonly cgroupRoot: string,
    private readonly workloads: WorkloadLookup,
    private readonly refreshMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The workload owning cgroup `id`, or undefined for cgroups outside every workload. */
  ownerOf(id: number): Workload | undefined {
    const direct = this.workloads.byCgroupId(id);
    if (direct) return direct;
    const age = this.now() - this.scannedAt;
    if (age >= this.refreshMs || (!this.owners.has(id) && age >= Math.min(1000, this.refreshMs))) this.rescan();
    return this.owners.get(id);
  }

  private rescan(): void {
    const owners = new Map<number, Workload>();
    for (const w of this.workloads.list()) this.walk(join(this.cgroupRoot, w.cgroupPath), w, owners, 0);
    this.owners = owners;
    this.scannedAt = this.now();
  }

  private walk(dir: string, owner: Workload, into: Map<number, Workload>, depth: number): void {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // the cgroup went away meanwhile
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const child = join(dir, e.name);
      try {
        into.set(Number(statSync(child, { bigint: true }).ino), owner);
      } catch {
        continue;
      }
      if (depth + 1 < MAX_DEPTH) this.walk(child, owner, into, depth + 1);
    }
  }
}
