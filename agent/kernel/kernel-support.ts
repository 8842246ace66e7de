// What this kernel and process allow: sched_ext present and free, BTF, the
// capabilities a BPF scheduler needs, and no more possible CPUs than the BPF side
// handles (SLO_MAX_CPUS). `scx-slo run` checks this first and, when something is
// missing, says exactly what and changes nothing.
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { SLO_MAX_CPUS } from './kernel-abi.js';

export const SCHED_EXT_STATE = '/sys/kernel/sched_ext/state';
const SCHED_EXT_OPS = '/sys/kernel/sched_ext/root/ops';
const BTF_VMLINUX = '/sys/kernel/btf/vmlinux';
const POSSIBLE_CPUS = '/sys/devices/system/cpu/possible';

/** Capability bits (include/uapi/linux/capability.h). */
const CAPS: ReadonlyArray<[string, number]> = [['CAP_SYS_ADMIN', 21], ['CAP_PERFMON', 38], ['CAP_BPF', 39]];

export interface KernelSupport {
  schedExt: boolean;
  btf: boolean;
  missingCaps: string[];
  /** sched_ext state ("disabled", "enabled", ...), undefined without sched_ext. */
  state: string | undefined;
  /** ops name of the scheduler attached now, if any. */
  attachedOps: string | undefined;
  /** One line per problem, empty when a scheduler can be attached. */
  problems: string[];
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function effectiveCapabilities(): bigint {
  const line = (readTrimmed('/proc/self/status') ?? '').split('\n').find((l) => l.startsWith('CapEff:'));
  return line ? BigInt(`0x${line.split(/\s+/)[1]}`) : 0n;
}

/** Number of CPUs in a kernel CPU list such as "0-3,8,10-11" (the format of cpu/possible). */
export function cpuListCount(list: string): number {
  let n = 0;
  for (const part of list.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`${POSSIBLE_CPUS}: cannot parse CPU list ${JSON.stringify(list)} at ${JSON.stringify(part)}`);
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first) throw new Error(`${POSSIBLE_CPUS}: range ${part} runs backwards in ${JSON.stringify(list)}`);
    n += last - first + 1;
  }
  return n;
}

/**
 * Why a machine with `possible` CPU ids cannot run the scheduler, or undefined: its
 * preemption and kick loops stop at SLO_MAX_CPUS, so CPUs past it would never be
 * preempted or woken.
 */
export function cpuLimitProblem(possible: number): string | undefined {
  if (possible <= SLO_MAX_CPUS) return undefined;
  return `this machine has ${possible} possible CPUs; the BPF scheduler handles at most ${SLO_MAX_CPUS} (SLO_MAX_CPUS in bpf/scx_slo.h)`;
}

export function checkKernelSupport(): KernelSupport {
  const schedExt = existsSync(SCHED_EXT_STATE);
  const btf = existsSync(BTF_VMLINUX);
  const caps = effectiveCapabilities();
  const missingCaps = CAPS.filter(([, bit]) => (caps & (1n << BigInt(bit))) === 0n).map(([name]) => name);
  const state = schedExt ? readTrimmed(SCHED_EXT_STATE) : undefined;
  const attachedOps = state && state !== 'disabled' ? readTrimmed(SCHED_EXT_OPS) : undefined;
  const problems: string[] = [];
  if (!schedExt) problems.push(`kernel ${release()} has no sched_ext (needs Linux >= 6.12 built with CONFIG_SCHED_CLASS_EXT=y)`);
  if (!btf) problems.push(`kernel ${release()} exposes no BTF at ${BTF_VMLINUX} (needs CONFIG_DEBUG_INFO_BTF=y)`);
  if (missingCaps.length > 0) problems.push(`this process lacks ${missingCaps.join(', ')} (run as root or grant them)`);
  const possible = readTrimmed(POSSIBLE_CPUS);
  const cpuProblem = possible === undefined ? undefined : cpuLimitProblem(cpuListCount(possible));
  if (cpuProblem) problems.push(cpuProblem);
  if (state && state !== 'disabled') problems.push(`another sched_ext scheduler is ${state}: ${attachedOps ?? 'unknown'}`);
  return { schedExt, btf, missingCaps, state, attachedOps, problems };
}

/** sched_ext's state and attached ops right now (for status and tests). */
export function schedExtState(): { state: string | undefined; ops: string | undefined } {
  const state = readTrimmed(SCHED_EXT_STATE);
  return { state, ops: state && state !== 'disabled' ? readTrimmed(SCHED_EXT_OPS) : undefined };
}
