// The host's side of a guest run: host-cpu.tsv, sampled once a second by
// bench/demo/harness.sh (host busy and total CPU ticks, the guest's QEMU process's
// ticks). From it, for a time window: how many host CPUs the guest got and how many
// other processes took. The guest's emulated CPUs are host threads, so CPU taken by
// other host processes shows up in the guest as lost time (latency spikes, fewer bogo ops).

export interface HostSample {
  tMs: number;
  busy: number;
  total: number;
  qemu: number;
}

export interface HostCpu {
  tck: number;
  cpus: number;
  samples: HostSample[];
}

export function parseHostCpu(text: string): HostCpu {
  let tck = 100;
  let cpus = 1;
  const samples: HostSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      const t = /CLK_TCK=(\d+)/.exec(line);
      const c = /CPUS=(\d+)/.exec(line);
      if (t) tck = Number(t[1]);
      if (c) cpus = Number(c[1]);
      continue;
    }
    const f = line.trim().split(/\s+/).map(Number);
    if (f.length >= 4 && f.every((v) => Number.isFinite(v))) samples.push({ tMs: f[0]!, busy: f[1]!, total: f[2]!, qemu: f[3]! });
  }
  return { tck, cpus, samples };
}

/**
 * Host CPUs used by the guest's QEMU and by everything else over [startMs, endMs]
 * (the samples nearest inside the window), or null with too few samples.
 */
export function hostUsage(h: HostCpu, startMs: number, endMs: number): { qemuCores: number; otherCores: number } | null {
  const inside = h.samples.filter((s) => s.tMs >= startMs && s.tMs <= endMs);
  if (inside.length < 2) return null;
  const a = inside[0]!;
  const b = inside[inside.length - 1]!;
  const secs = (b.tMs - a.tMs) / 1000;
  if (secs <= 0 || a.qemu === 0) return null;
  const qemu = (b.qemu - a.qemu) / h.tck / secs;
  const busy = (b.busy - a.busy) / h.tck / secs;
  return { qemuCores: qemu, otherCores: Math.max(0, busy - qemu) };
}
