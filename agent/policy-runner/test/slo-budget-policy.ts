// A test policy that reads the SLO table the host keeps (PolicyContext.slos): tasks run in
// order of enqueue time plus their workload's budget. The runner tests use it to see that
// every piscina shard received the same setSlo() calls as an inline runner, since the
// built-in policies order by the kernel's deadline in the record and never consult it.
import { DEFAULT_BUDGET_NS, POLICY_API_VERSION, type Decision, type Policy, type PolicyModule, type TaskRecord } from '../../../policy/api.js';
import { DecisionQueue } from '../../../policy/decision-queue.js';

const sloBudget: PolicyModule = {
  apiVersion: POLICY_API_VERSION,
  name: 'slo-budget',
  description: 'test: enqueue time + the SLO table budget of the task\'s workload',
  createPolicy(ctx): Policy {
    const queue = new DecisionQueue();
    return {
      enqueue(task: TaskRecord): void {
        const budget = ctx.slos.get(task.sloCgroupId)?.budgetNs ?? DEFAULT_BUDGET_NS;
        queue.push({ pid: task.pid, seq: task.seq, vtime: task.enqNs + budget, sliceNs: 0 });
      },
      dispatch(_nowNs: number, max: number): Decision[] {
        return queue.popMany(max);
      },
      get queued(): number {
        return queue.size;
      },
    };
  },
};
export default sloBudget;
