// Who a cgroup id belongs to: the SLO sources (the Kubernetes pod watcher, the config
// file) record here every cgroup they gave an SLO, with the pod behind it when there is
// one, so /metrics can label per-workload counters with namespace and pod and the
// overload endpoint can find a pod's cgroup by name. Each source removes only the ids it
// added.

/** The Kubernetes pod behind a cgroup. */
export interface PodIdentity {
  namespace: string;
  name: string;
  uid: string;
}

/** A cgroup with an SLO. */
export interface Workload {
  cgroupId: number;
  /** Path relative to the cgroup root, e.g. "kubepods.slice/.../kubepods-pod<uid>.slice". */
  cgroupPath: string;
  /** The pod, for cgroups that belong to one. */
  pod?: PodIdentity;
  /** Which source added it, e.g. "kubernetes" or "config-file". */
  source: string;
}

/** Read-only view used by the metrics and the overload endpoint. */
export interface WorkloadLookup {
  byCgroupId(cgroupId: number): Workload | undefined;
  byPod(namespace: string, name: string): Workload | undefined;
  byCgroupPath(cgroupPath: string): Workload | undefined;
  list(): Workload[];
}

export class WorkloadRegistry implements WorkloadLookup {
  private readonly byId = new Map<number, Workload>();
  private readonly podIndex = new Map<string, number>();
  private readonly pathIndex = new Map<string, number>();

  set(workload: Workload): void {
    this.delete(workload.cgroupId);
    const copy: Workload = { ...workload, pod: workload.pod ? { ...workload.pod } : undefined };
    this.byId.set(copy.cgroupId, copy);
    this.pathIndex.set(copy.cgroupPath, copy.cgroupId);
    if (copy.pod) this.podIndex.set(podKey(copy.pod.namespace, copy.pod.name), copy.cgroupId);
  }

  delete(cgroupId: number): void {
    const old = this.byId.get(cgroupId);
    if (!old) return;
    this.byId.delete(cgroupId);
    if (this.pathIndex.get(old.cgroupPath) === cgroupId) this.pathIndex.delete(old.cgroupPath);
    if (old.pod) {
      const key = podKey(old.pod.namespace, old.pod.name);
      if (this.podIndex.get(key) === cgroupId) this.podIndex.delete(key);
    }
  }

  byCgroupId(cgroupId: number): Workload | undefined {
    return this.byId.get(cgroupId);
  }

  byPod(namespace: string, name: string): Workload | undefined {
    const id = this.podIndex.get(podKey(namespace, name));
    return id === undefined ? undefined : this.byId.get(id);
  }

  byCgroupPath(cgroupPath: string): Workload | undefined {
    const id = this.pathIndex.get(cgroupPath);
    return id === undefined ? undefined : this.byId.get(id);
  }

  list(): Workload[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }
}

function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
