// Replays one workload through several policy modules (and sim-internal kernel
// baselines such as eevdf), one after the other, with the same model, drawing a progress
// bar for each when asked. Shared by the CLI, the tests and the benchmark.
import { simulate } from './engine.js';
import type { SimResult } from './sim-result.js';
import { simulateEevdf } from './eevdf.js';
import { isKernelBaseline, type ReplayTarget } from './replay-target.js';
import { ProgressBar } from './progress-bar.js';
import type { SimModel } from './sim-model.js';
import type { Workload } from './workload.js';

export interface ReplayOptions {
  policyOptions?: Readonly<Record<string, string>>;
  /** Draw progress bars on stderr (they still appear only for replays longer than ~2 s). */
  progress?: boolean;
  checkInvariants?: boolean;
}

export function replayAll(workload: Workload, targets: readonly ReplayTarget[], model: SimModel, opts: ReplayOptions = {}): SimResult[] {
  return targets.map((target) => {
    const bar = new ProgressBar(`sim ${target.name}`, opts.progress === true);
    try {
      const options = {
        ...(opts.policyOptions === undefined ? {} : { policyOptions: opts.policyOptions }),
        onProgress: (f: number) => bar.update(f),
        checkInvariants: opts.checkInvariants === true,
      };
      return isKernelBaseline(target) ? simulateEevdf(workload, model, options) : simulate(workload, target, model, options);
    } finally {
      bar.done();
    }
  });
}
