// What one replay runs: a policy module (through the sched_ext engine, engine.ts) or a
// sim-internal kernel model that no agent could run (the kernel-default baseline, eevdf.ts).
// `--policy` accepts both by name; replayAll() sends each to its simulator.
import type { PolicyModule } from '../policy/api.js';
import { EEVDF_BASELINE_NAME } from './eevdf.js';

/** A scheduler the simulator models itself rather than through a policy module. */
export interface KernelBaseline {
  readonly kind: 'kernel-baseline';
  readonly name: typeof EEVDF_BASELINE_NAME;
}

export const EEVDF_BASELINE: KernelBaseline = { kind: 'kernel-baseline', name: EEVDF_BASELINE_NAME };

export type ReplayTarget = PolicyModule | KernelBaseline;

/** The kernel baselines `--policy` accepts by name. */
export const KERNEL_BASELINES: ReadonlyMap<string, KernelBaseline> = new Map([[EEVDF_BASELINE_NAME, EEVDF_BASELINE]]);

export function isKernelBaseline(target: ReplayTarget): target is KernelBaseline {
  return (target as Partial<KernelBaseline>).kind === 'kernel-baseline';
}
