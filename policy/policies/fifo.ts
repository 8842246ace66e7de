// The `fifo` policy: tasks run in the order they became runnable, with long 20 ms slices,
// like the kernel's scx_simple in FIFO mode. A baseline that ignores SLOs entirely.
import { POLICY_API_VERSION, type Decision, type Policy, type PolicyContext, type PolicyModule, type TaskRecord } from '../api.js';
import { DecisionQueue } from '../decision-queue.js';
import { sliceOption } from '../policy-options.js';

const DEFAULT_SLICE_NS = 20_000_000;

class FifoPolicy implements Policy {
  private readonly queue = new DecisionQueue();
  private readonly sliceNs: number;

  constructor(ctx: PolicyContext) {
    this.sliceNs = sliceOption(ctx.options, 'slice-us', DEFAULT_SLICE_NS);
  }

  enqueue(task: TaskRecord): void {
    this.queue.push({ pid: task.pid, seq: task.seq, vtime: task.enqNs, sliceNs: this.sliceNs });
  }

  dispatch(_nowNs: number, max: number): Decision[] {
    return this.queue.popMany(max);
  }

  get queued(): number {
    return this.queue.size;
  }
}

const fifo: PolicyModule = {
  apiVersion: POLICY_API_VERSION,
  name: 'fifo',
  description: 'first in, first out with 20 ms slices; ignores SLOs',
  createPolicy: (ctx) => new FifoPolicy(ctx),
};
export default fifo;
