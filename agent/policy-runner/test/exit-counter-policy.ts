// A policy module for the runner tests: it orders nothing, but stamps every decision's
// vtime with how many task exits it has been told of, so a test can see that exits
// reach the policy in the agent's thread and in every worker shard.
import { POLICY_API_VERSION, type Decision, type Policy, type PolicyModule, type TaskRecord } from '../../../policy/api.js';

class ExitCounter implements Policy {
  private readonly waiting: TaskRecord[] = [];
  private exits = 0;

  enqueue(task: TaskRecord): void {
    this.waiting.push(task);
  }

  dispatch(_nowNs: number, max: number): Decision[] {
    return this.waiting.splice(0, max).map((t) => ({ pid: t.pid, seq: t.seq, vtime: this.exits, sliceNs: 0 }));
  }

  get queued(): number {
    return this.waiting.length;
  }

  taskExited(): void {
    this.exits++;
  }
}

const exitCounter: PolicyModule = {
  apiVersion: POLICY_API_VERSION,
  name: 'exit-counter',
  description: 'test policy: vtime = task exits seen so far',
  createPolicy: () => new ExitCounter(),
};
export default exitCounter;
