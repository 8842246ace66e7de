// kubelet's CPU request -> cgroup v2 cpu.weight conversion, written once for the demo's
// kubelet-shaped node and the simulator's `service` scenario. kubelet turns a CPU request
// into cgroup v1 shares (MilliCPUToShares: milli * 1024 / 1000, clamped to 2..262144);
// the container runtime (runc/crun, the linear mapping of the Kubernetes cgroup v2 docs)
// maps shares to cpu.weight as 1 + (shares - 2) * 9999 / 262142, integer division.
// (Runtimes released from 2025 on may use a non-linear mapping instead; this is the one
// the demo applies by hand, printed by the demo so the reader can check it.)

/** cgroup v1 cpu.shares limits kubelet applies. */
export const MIN_CPU_SHARES = 2;
export const MAX_CPU_SHARES = 262_144;

/** kubelet's MilliCPUToShares: a CPU request in millicores to cgroup v1 shares. */
export function milliCpuToShares(milliCpu: number): number {
  if (!Number.isInteger(milliCpu) || milliCpu < 0) {
    throw new RangeError(`milliCpu: expected a whole number of millicores >= 0, got ${milliCpu}`);
  }
  if (milliCpu === 0) return MIN_CPU_SHARES;
  const shares = Math.floor((milliCpu * 1024) / 1000);
  return Math.min(MAX_CPU_SHARES, Math.max(MIN_CPU_SHARES, shares));
}

/** The runtime's cgroup v1 shares -> cgroup v2 cpu.weight (1..10000). */
export function sharesToCpuWeight(shares: number): number {
  if (!Number.isInteger(shares) || shares < MIN_CPU_SHARES || shares > MAX_CPU_SHARES) {
    throw new RangeError(`shares: expected a whole number ${MIN_CPU_SHARES}..${MAX_CPU_SHARES}, got ${shares}`);
  }
  return 1 + Math.floor(((shares - 2) * 9999) / 262_142);
}

/** The cpu.weight a pod requesting `milliCpu` gets on a cgroup v2 node. */
export function kubeletCpuWeight(milliCpu: number): number {
  return sharesToCpuWeight(milliCpuToShares(milliCpu));
}

/** One line a person can check by hand, e.g. "250m -> shares 256 -> cpu.weight 10". */
export function describeKubeletCpuWeight(milliCpu: number): string {
  const shares = milliCpuToShares(milliCpu);
  return `${milliCpu}m -> shares ${milliCpu}*1024/1000 = ${shares} -> cpu.weight 1 + (${shares}-2)*9999/262142 = ${sharesToCpuWeight(shares)}`;
}
