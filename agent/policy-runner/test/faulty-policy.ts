// A policy that fails on purpose, for the fault-handling tests (native, and the guest's
// policy-hang / policy-throw checks). Options (--policy-opt):
//   fault=throw   every dispatch after the first `after` throws an Error
//   fault=hang    every dispatch after the first `after` never returns (an endless loop)
//   fault=exit    every dispatch after the first `after` ends its thread (process.exit;
//                 only meaningful in a worker, where it ends the worker thread)
//   fault=none    behaves (FIFO order)
//   after=N       calls that behave first (default 0)
// Until it faults it decides FIFO with 5 ms slices.
import { POLICY_API_VERSION, type Decision, type Policy, type PolicyContext, type PolicyModule, type TaskRecord } from '../../../policy/api.js';

class FaultyPolicy implements Policy {
  private readonly queue: TaskRecord[] = [];
  private calls = 0;
  private readonly fault: string;
  private readonly after: number;

  constructor(ctx: PolicyContext) {
    this.fault = ctx.options['fault'] ?? 'throw';
    this.after = Number(ctx.options['after'] ?? 0);
    if (!['throw', 'hang', 'exit', 'none'].includes(this.fault)) {
      throw new Error(`fault: expected throw, hang, exit or none, got ${JSON.stringify(this.fault)}`);
    }
    if (!Number.isInteger(this.after) || this.after < 0) throw new Error(`after: expected a non-negative integer, got ${JSON.stringify(ctx.options['after'])}`);
  }

  enqueue(task: TaskRecord): void {
    this.queue.push(task);
  }

  dispatch(_nowNs: number, max: number): Decision[] {
    if (this.calls++ >= this.after) {
      if (this.fault === 'throw') throw new Error(`faulty-policy: dispatch call ${this.calls} throws on purpose`);
      if (this.fault === 'hang') for (;;) { /* never returns */ }
      if (this.fault === 'exit') process.exit(3);
    }
    return this.queue.splice(0, max).map((t) => ({ pid: t.pid, seq: t.seq, vtime: t.enqNs, sliceNs: 5_000_000 }));
  }

  get queued(): number {
    return this.queue.length;
  }
}

const faulty: PolicyModule = {
  apiVersion: POLICY_API_VERSION,
  name: 'faulty',
  description: 'fails on purpose (fault=throw|hang|exit after N calls), for tests',
  createPolicy: (ctx) => new FaultyPolicy(ctx),
};
export default faulty;
