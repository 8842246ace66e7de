// The `edf` policy (default): earliest deadline first, where a task's deadline is the
// start of its job plus its workload's budget scaled by importance,
// deadline = enq + budget_ns * (101 - importance) / 100, as the kernel computed it
// (TaskRecord.deadlineNs), so the policy and the kernel's own EDF queue order by one
// formula. Tight budgets also get short slices, so a latency-critical task never holds a
// CPU longer than its budget allows.
import { DEFAULT_SLICE_NS, MIN_SLICE_NS, POLICY_API_VERSION, type Decision, type Policy, type PolicyContext, type PolicyModule,
  type TaskRecord } from '../api.js';
import { DecisionQueue } from '../decision-queue.js';
import { sliceOption } from '../policy-options.js';

// Slices: the host's default (5 ms); a task whose deadline delay is shorter gets that
// delay, but never less than the kernel's minimum slice (250 us).

class EdfPolicy implements Policy {
  private readonly queue = new DecisionQueue();
  private readonly maxSliceNs: number;

  constructor(ctx: PolicyContext) {
    this.maxSliceNs = sliceOption(ctx.options, 'slice-us', DEFAULT_SLICE_NS);
  }

  enqueue(task: TaskRecord): void {
    const delay = task.deadlineNs - task.enqNs;
    const sliceNs = Math.max(MIN_SLICE_NS, Math.min(this.maxSliceNs, delay));
    this.queue.push({ pid: task.pid, seq: task.seq, vtime: task.deadlineNs, sliceNs });
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
  urgentInKernel: true,
};
export default edf;
