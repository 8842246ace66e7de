// What this kernel and process allow: sched_ext present and free, BTF, and the
// capabilities a BPF scheduler needs. `scx-slo run` checks this first and, when
// something is missing, says exactly what and changes nothing.
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';

export const SCHED_EXT_STATE = '/sys/kernel/sched_ext/state';
const SCHED_EXT_OPS = '/sys/kernel/sched_ext/root/ops';
const BTF_VMLINUX = '/sys/kernel/btf/vmlinux';

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
  if (state && state !== 'disabled') problems.push(`another sched_ext scheduler is ${state}: ${attachedOps ?? 'unknown'}`);
  return { schedExt, btf, missingCaps, state, attachedOps, problems };
}

/** sched_ext's state and attached ops right now (for status and tests). */
export function schedExtState(): { state: string | undefined; ops: string | undefined } {
  const state = readTrimmed(SCHED_EXT_STATE);
  return { state, ops: state && state !== 'disabled' ? readTrimmed(SCHED_EXT_OPS) : undefined };
}
