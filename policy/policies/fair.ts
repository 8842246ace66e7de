// The `fair` policy: weighted virtual runtime, standing in for the kernel's default fair
// scheduler. Each task's vruntime advances by the CPU time it used, scaled by
// NICE0_WEIGHT / weight; tasks run in ascending vruntime. A task that slept is placed no
// further back than one slice behind the queue's minimum, so sleepers get a bounded
// boost, as in CFS/EEVDF. SLOs are ignored.
import { NICE0_WEIGHT, POLICY_API_VERSION, type Decision, type Policy, type PolicyContext, type PolicyModule, type TaskRecord } from '../api.js';
import { DecisionQueue } from '../decision-queue.js';
import { sliceOption } from '../policy-options.js';

const DEFAULT_SLICE_NS = 3_000_000;

interface TaskVtime {
  vruntime: number;
  lastRuntimeNs: number;
}

class FairPolicy implements Policy {
  private readonly queue = new DecisionQueue();
  private readonly tasks = new Map<number, TaskVtime>();
  private readonly sliceNs: number;
  /** Smallest vruntime handed out recently: the floor sleepers are placed against. */
  private minVruntime = 0;

  constructor(ctx: PolicyContext) {
    this.sliceNs = sliceOption(ctx.options, 'slice-us', DEFAULT_SLICE_NS);
  }

  enqueue(task: TaskRecord): void {
    const weight = task.weight > 0 ? task.weight : NICE0_WEIGHT;
    let state = this.tasks.get(task.pid);
    if (state === undefined) {
      state = { vruntime: this.minVruntime, lastRuntimeNs: task.runtimeNs };
      this.tasks.set(task.pid, state);
    }
    const ran = Math.max(0, task.runtimeNs - state.lastRuntimeNs);
    state.lastRuntimeNs = task.runtimeNs;
    state.vruntime += (ran * NICE0_WEIGHT) / weight;
    // Bounded sleeper credit: never more than one slice behind the current minimum.
    const floor = this.minVruntime - this.sliceNs;
    if (state.vruntime < floor) state.vruntime = floor;
    this.queue.push({ pid: task.pid, seq: task.seq, vtime: state.vruntime, sliceNs: this.sliceNs });
  }

  dispatch(_nowNs: number, max: number): Decision[] {
    const out = this.queue.popMany(max);
    if (out.length > 0) this.minVruntime = Math.max(this.minVruntime, out[0]!.vtime);
    return out;
  }

  get queued(): number {
    return this.queue.size;
  }

  taskExited(pid: number): void {
    this.tasks.delete(pid);
  }
}

const fair: PolicyModule = {
  apiVersion: POLICY_API_VERSION,
  name: 'fair',
  description: 'weighted virtual runtime (stands in for the kernel default scheduler); ignores SLOs',
  createPolicy: (ctx) => new FairPolicy(ctx),
};
export default fair;
