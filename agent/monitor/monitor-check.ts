// Why the agent runs in monitoring-only mode, and whether that mode can measure here:
// sched_ext presence (/sys/kernel/sched_ext/state), kernel BTF (/sys/kernel/btf/vmlinux,
// which tp_btf programs and CO-RE need), capabilities (CapEff in /proc/self/status),
// kernel lockdown (which forbids BPF reads of kernel memory) and where cgroup v2 is
// mounted (the histograms are keyed by cgroup v2 id). Reads files only; every path is
// under `root` so tests can use a fake tree.
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';

/** Capability bits (include/uapi/linux/capability.h). */
const CAP_SYS_ADMIN = 21;
const CAP_PERFMON = 38;
const CAP_BPF = 39;

export interface MonitorCheckOptions {
  /** Prefix of /sys and /proc (default "/"). */
  root?: string;
  /** Kernel release for messages (default os.release()). */
  kernelRelease?: string;
}

export interface MonitorCheck {
  /** /sys/kernel/sched_ext/state exists. */
  schedExt: boolean;
  /** Its content ("disabled", "enabled", ...), undefined without sched_ext. */
  schedExtState: string | undefined;
  /** /sys/kernel/btf/vmlinux exists. */
  btf: boolean;
  /** Capabilities monitor mode needs and this process lacks (empty when it has them). */
  missingCaps: string[];
  /** Lockdown mode from /sys/kernel/security/lockdown ("none", "integrity", "confidentiality"), if known. */
  lockdown: string | undefined;
  /** Mount point of the cgroup v2 hierarchy, undefined when none is mounted. */
  cgroup2Mount: string | undefined;
  /** A cgroup v1 hierarchy is mounted too (hybrid layout). */
  cgroup1Mounted: boolean;
  /** Why the agent cannot schedule, so runs in monitor mode; empty when sched_ext is there. */
  needed: string[];
  /** Why monitor mode cannot measure either; empty when it can. */
  problems: string[];
  /** What limits the measurements (they still run). */
  warnings: string[];
  /** True when monitor mode can measure (no problems). */
  possible: boolean;
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Effective capability bits from a /proc/<pid>/status text (0 when absent). */
export function parseCapEff(status: string): bigint {
  const line = status.split('\n').find((l) => l.startsWith('CapEff:'));
  const hex = line?.split(/\s+/)[1];
  return hex && /^[0-9a-f]+$/i.test(hex) ? BigInt(`0x${hex}`) : 0n;
}

/** Monitor mode needs CAP_BPF + CAP_PERFMON (Linux >= 5.8), or CAP_SYS_ADMIN. */
export function missingMonitorCaps(capEff: bigint): string[] {
  const has = (bit: number): boolean => (capEff & (1n << BigInt(bit))) !== 0n;
  if (has(CAP_SYS_ADMIN)) return [];
  return [
    ...(has(CAP_BPF) ? [] : ['CAP_BPF']),
    ...(has(CAP_PERFMON) ? [] : ['CAP_PERFMON']),
  ];
}

/** The bracketed choice of /sys/kernel/security/lockdown ("none [integrity] ..."). */
export function parseLockdown(text: string): string | undefined {
  return /\[(\w+)\]/.exec(text)?.[1];
}

/** cgroup mount points from a /proc/self/mounts text. */
export function parseCgroupMounts(mounts: string): { cgroup2: string | undefined; cgroup1: boolean } {
  let cgroup2: string | undefined;
  let cgroup1 = false;
  for (const line of mounts.split('\n')) {
    const [, mountPoint, type] = line.split(' ');
    if (type === 'cgroup2' && cgroup2 === undefined) cgroup2 = mountPoint?.replace(/\\040/g, ' ');
    if (type === 'cgroup') cgroup1 = true;
  }
  return { cgroup2, cgroup1 };
}

export function checkMonitorMode(opts: MonitorCheckOptions = {}): MonitorCheck {
  const root = opts.root ?? '/';
  const kernel = opts.kernelRelease ?? release();
  const schedExtState = readTrimmed(join(root, 'sys/kernel/sched_ext/state'));
  const schedExt = schedExtState !== undefined;
  const btf = existsSync(join(root, 'sys/kernel/btf/vmlinux'));
  const missingCaps = missingMonitorCaps(parseCapEff(readTrimmed(join(root, 'proc/self/status')) ?? ''));
  const lockdownText = readTrimmed(join(root, 'sys/kernel/security/lockdown'));
  const lockdown = lockdownText === undefined ? undefined : parseLockdown(lockdownText);
  const mounts = parseCgroupMounts(readTrimmed(join(root, 'proc/self/mounts')) ?? '');

  const needed: string[] = [];
  if (!schedExt) needed.push(`kernel ${kernel} has no sched_ext (needs Linux >= 6.12 built with CONFIG_SCHED_CLASS_EXT=y)`);
  else if (schedExtState !== 'disabled') needed.push(`another sched_ext scheduler is ${schedExtState}`);

  const problems: string[] = [];
  if (!btf) {
    problems.push(`kernel ${kernel} exposes no BTF at /sys/kernel/btf/vmlinux (needs CONFIG_DEBUG_INFO_BTF=y): the run-queue latency programs ` +
      `(tp_btf, CO-RE) cannot load`);
  }
  if (missingCaps.length > 0) {
    problems.push(`this process lacks ${missingCaps.join(' and ')} (run as root, or grant CAP_BPF and CAP_PERFMON)`);
  }
  if (lockdown === 'confidentiality') {
    problems.push('the kernel is locked down (confidentiality): BPF programs may not read kernel memory');
  }

  const warnings: string[] = [];
  if (mounts.cgroup2 === undefined) {
    warnings.push('no cgroup v2 hierarchy is mounted: every task is counted under the root cgroup (id 1)');
  } else if (mounts.cgroup1) {
    warnings.push(`cgroup v1 hierarchies are mounted alongside cgroup v2 (at ${mounts.cgroup2}): waits are keyed by cgroup v2 id, which matches workloads ` +
      `only where they have v2 cgroups`);
  }

  return {
    schedExt, schedExtState, btf, missingCaps, lockdown,
    cgroup2Mount: mounts.cgroup2, cgroup1Mounted: mounts.cgroup1,
    needed, problems, warnings, possible: problems.length === 0,
  };
}
