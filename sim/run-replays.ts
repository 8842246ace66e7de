// Replays one workload through several policy modules, one after the other, with the
// same model, drawing a progress bar for each when asked. Shared by the CLI, the tests
// and the benchmark.
import type { PolicyModule } from '../policy/api.js';
import { simulate, type SimResult } from './engine.js';
import { ProgressBar } from './progress-bar.js';
import type { SimModel } from './sim-model.js';
import type { Workload } from './workload.js';

export interface ReplayOptions {
  policyOptions?: Readonly<Record<string, string>>;
  /** Draw progress bars on stderr (they still appear only for replays longer than ~2 s). */
  progress?: boolean;
  checkInvariants?: boolean;
}

export function replayAll(workload: Workload, modules: readonly PolicyModule[], model: SimModel, opts: ReplayOptions = {}): SimResult[] {
  return modules.map((module) => {
    const bar = new ProgressBar(`sim ${module.name}`, opts.progress === true);
    try {
      return simulate(workload, module, model, {
        ...(opts.policyOptions === undefined ? {} : { policyOptions: opts.policyOptions }),
        onProgress: (f) => bar.update(f),
        checkInvariants: opts.checkInvariants === true,
      });
    } finally {
      bar.done();
    }
  });
}
