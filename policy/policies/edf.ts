// The `edf` policy (default): earliest virtual deadline first, where a task's deadline is
// the moment it became runnable plus its workload's budget scaled by importance,
// deadline = enq + budget_ns * (101 - importance) / 100. Tight budgets also get short
// slices, so a latency-critical task never holds a CPU longer than its budget allows.
import { POLICY_API_VERSION, type Decision, type Policy, type PolicyContext, type PolicyModule, type TaskRecord } from '../api.js';
import { edfDelayNs, sloOrDefault } from '../deadline.js';
import { DecisionQueue } from '../decision-queue.js';
import { sliceOption } from '../policy-options.js';

/** Default slice: 5 ms; a task whose deadline delay is shorter gets that delay (>= 250 us). */
const DEFAULT_SLICE_NS = 5_000_000;
const MIN_SLICE_NS = 250_000;

class EdfPolicy implements Policy {
  private readonly queue = new DecisionQueue();
  private readonly maxSliceNs: number;

  constructor(private readonly ctx: PolicyContext) {
    this.maxSliceNs = sliceOption(ctx.options, 'slice-us', DEFAULT_SLICE_NS);
  }

  enqueue(task: TaskRecord): void {
    const slo = sloOrDefault(this.ctx.slos.get(task.sloCgroupId));
    const delay = edfDelayNs(slo.budgetNs, slo.importance);
    const sliceNs = Math.max(MIN_SLICE_NS, Math.min(this.maxSliceNs, delay));
    this.queue.push({ pid: task.pid, seq: task.seq, cpu: -1, deadlineNs: task.enqNs + delay, sliceNs });
  }

  dispatch(_nowNs: number, max: number): Decision[] {
    return this.queue.popMany(max);
  }

  get queued(): number {
    return this.queue.size;
  }
}

const edf: PolicyModule = {
  apiVersion: POLICY_API_VERSION,
  name: 'edf',
  description: 'earliest deadline first: deadline = enqueue + budget * (101 - importance) / 100',
  createPolicy: (ctx) => new EdfPolicy(ctx),
  kernelFastPath: true,
};
export default edf;
